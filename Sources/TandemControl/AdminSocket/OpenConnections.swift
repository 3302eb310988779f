import NIOCore
import Synchronization

/// The admin connections being served, so shutdown can close them all; once closed, no new one is admitted.
final class OpenConnections: Sendable {
    private let state = Mutex<(channels: [ObjectIdentifier: any Channel], closed: Bool)>(([:], false))

    /// Adds `channel`; false once ``closeAll()`` has run (the caller then closes it).
    func insert(_ channel: any Channel) -> Bool {
        state.withLock { state in
            if state.closed { return false }
            state.channels[ObjectIdentifier(channel)] = channel
            return true
        }
    }

    func remove(_ channel: any Channel) {
        state.withLock { _ = $0.channels.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// Whether ``closeAll()`` has run.
    var isClosed: Bool {
        state.withLock { $0.closed }
    }

    /// Marks the set closed and returns every channel in it, for closing.
    func closeAll() -> [any Channel] {
        state.withLock { state in
            state.closed = true
            defer { state.channels = [:] }
            return Array(state.channels.values)
        }
    }
}
