import NIOCore

/// Idle keep-alive connections to one backend's servers, for one event loop.
///
/// Confined to its event loop (every method asserts it), so it needs no lock: a request and the
/// connection it reuses always live on the same loop, which keeps the hot path free of hops.
final class UpstreamPool: @unchecked Sendable {
    let eventLoop: any EventLoop
    private let maxIdlePerServer: Int
    private let idleTimeout: TimeAmount
    private var idle: [[UpstreamConnectionHandler]]
    /// Set when a config reload replaced its backend: connections coming back are closed, not kept.
    private var isRetired = false

    init(eventLoop: any EventLoop, serverCount: Int, maxIdlePerServer: Int, idleTimeout: TimeAmount) {
        self.eventLoop = eventLoop
        self.maxIdlePerServer = maxIdlePerServer
        self.idleTimeout = idleTimeout
        self.idle = Array(repeating: [], count: serverCount)
    }

    /// The most recently used live idle connection to `server`, if any.
    func take(server: Int) -> UpstreamConnectionHandler? {
        eventLoop.preconditionInEventLoop()
        while let connection = idle[server].popLast() {
            if connection.leavePool() { return connection }
        }
        return nil
    }

    /// Keeps `connection` for reuse, or closes it when the pool for that server is full.
    func put(_ connection: UpstreamConnectionHandler, server: Int) {
        eventLoop.preconditionInEventLoop()
        guard !isRetired, idle[server].count < maxIdlePerServer else {
            connection.close()
            return
        }
        idle[server].append(connection)
        connection.enterPool(self, server: server, idleTimeout: idleTimeout)
    }

    /// Forgets a pooled connection that closed or timed out.
    func remove(_ connection: UpstreamConnectionHandler, server: Int) {
        eventLoop.preconditionInEventLoop()
        idle[server].removeAll { $0 === connection }
    }

    /// Closes every idle connection.
    func closeAll() {
        eventLoop.preconditionInEventLoop()
        let all = idle.flatMap { $0 }
        idle = idle.map { _ in [] }
        for connection in all { connection.close() }
    }

    /// Closes every idle connection and keeps none from now on (its backend was replaced by a reload).
    func retire() {
        isRetired = true
        closeAll()
    }

    /// Idle connections held for `server` (for tests and status).
    func idleCount(server: Int) -> Int {
        eventLoop.preconditionInEventLoop()
        return idle[server].count
    }
}
