/// Keep-alive connection reuse towards a backend's servers (`backends[].pool`).
public struct PoolSettings: Sendable, Equatable {
    /// Idle keep-alive connections kept per server per event loop, 0...10000.
    public var maxIdle: Int
    public var idleTimeout: Duration

    public init(maxIdle: Int = 32, idleTimeout: Duration = .seconds(60)) {
        self.maxIdle = maxIdle
        self.idleTimeout = idleTimeout
    }
}
