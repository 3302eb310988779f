import NIOCore
import TandemBalancing

/// A request waiting in its backend's queue for a server slot.
///
/// Waiters of one backend come from every event loop; the backend decides their fate under its lock and
/// `resume` hops to the waiter's own loop (`eventLoop.execute`), the only hop in the proxy and only for
/// requests that had to wait anyway.
final class QueuedRequest: Sendable {
    /// What the queue decided for a waiter.
    enum Outcome: Sendable, Equatable {
        /// Server `server` was acquired for it; `cookie` as in ``BackendState/Choice/server(_:cookie:)``.
        case granted(server: Int, cookie: String?)
        /// Every server it could use went away while it waited.
        case unavailable
    }

    let pinned: Int?
    let key: BalancingKey
    let avoiding: Set<Int>
    private let eventLoop: any EventLoop
    private let onOutcome: @Sendable (Outcome) -> Void

    /// `onOutcome` runs on `eventLoop`.
    init(
        pinned: Int?,
        key: BalancingKey,
        avoiding: Set<Int>,
        eventLoop: any EventLoop,
        onOutcome: @escaping @Sendable (Outcome) -> Void
    ) {
        self.pinned = pinned
        self.key = key
        self.avoiding = avoiding
        self.eventLoop = eventLoop
        self.onOutcome = onOutcome
    }

    /// Delivers the decision on the waiter's event loop; call it outside the backend lock.
    func resume(_ outcome: Outcome) {
        let onOutcome = self.onOutcome
        eventLoop.execute { onOutcome(outcome) }
    }
}
