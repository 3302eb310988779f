import NIOCore

extension HealthChecker {
    /// The wait before a target's first probe: uniform in `0..<interval`, so that servers started together are
    /// not probed in lockstep.
    static func firstDelay(interval: TimeAmount, using random: inout some RandomNumberGenerator) -> TimeAmount {
        guard interval.nanoseconds > 0 else { return .zero }
        return .nanoseconds(Int64.random(in: 0..<interval.nanoseconds, using: &random))
    }

    /// The wait between the end of one probe and the next: `interval` ± 10 %, so that targets keep drifting
    /// apart instead of falling back into step.
    static func nextDelay(interval: TimeAmount, using random: inout some RandomNumberGenerator) -> TimeAmount {
        let spread = interval.nanoseconds / 10
        guard spread > 0 else { return interval }
        return .nanoseconds(interval.nanoseconds + Int64.random(in: -spread...spread, using: &random))
    }
}
