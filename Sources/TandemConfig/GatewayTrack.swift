/// A gateway reachability check (`ha.track[].gateway`), with its own rise/fall counting.
public struct GatewayTrack: Sendable, Equatable {
    /// The gateway's IP literal.
    public var address: String
    public var isIPv6: Bool
    public var interval: Duration
    /// Must be shorter than `interval`.
    public var timeout: Duration
    /// Consecutive successes before the gateway counts as reachable again.
    public var rise: Int
    /// Consecutive failures before the gateway counts as unreachable.
    public var fall: Int

    public init(
        address: String,
        isIPv6: Bool,
        interval: Duration = .seconds(1),
        timeout: Duration = .milliseconds(500),
        rise: Int = 2,
        fall: Int = 3
    ) {
        self.address = address
        self.isIPv6 = isIPv6
        self.interval = interval
        self.timeout = timeout
        self.rise = rise
        self.fall = fall
    }
}
