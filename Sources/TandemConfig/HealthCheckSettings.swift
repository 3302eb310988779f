/// Active health checks of a backend's servers (`backends[].health`).
public struct HealthCheckSettings: Sendable, Equatable {
    public var kind: Kind
    public var interval: Duration
    /// Shorter than `interval`, so that checks never overlap.
    public var timeout: Duration
    /// Consecutive successes before a down server is up, 1...100.
    public var rise: Int
    /// Consecutive failures before an up server is down, 1...100.
    public var fall: Int

    public init(
        kind: Kind,
        interval: Duration = .seconds(1),
        timeout: Duration = .milliseconds(500),
        rise: Int = 2,
        fall: Int = 3
    ) {
        self.kind = kind
        self.interval = interval
        self.timeout = timeout
        self.rise = rise
        self.fall = fall
    }
}
