/// The client-visible outage in a series of probes: from the first failed probe to the first successful
/// probe sent after it (both by send time, so the resolution is the probe interval). Pure.
public struct ProbeOutage: Sendable, Equatable {
    /// Send time of the first failed probe; nil when none failed.
    public var firstFailure: Duration?
    /// Send time of the first success after it; nil when none failed or none succeeded afterwards.
    public var recovery: Duration?
    /// Separate runs of failures (1 for a clean failover).
    public var failureRuns: Int

    /// `recovery − firstFailure`; zero when no probe failed; nil when the service never came back.
    public var duration: Duration? {
        guard let firstFailure else { return .zero }
        return recovery.map { $0 - firstFailure }
    }

    /// Analyses `results`, in any order.
    public init(_ results: [ProbeResult]) {
        let ordered = results.sorted { $0.sentAt < $1.sentAt }
        firstFailure = nil
        recovery = nil
        failureRuns = 0
        var inRun = false
        for result in ordered {
            if !result.ok {
                if !inRun { failureRuns += 1 }
                inRun = true
                if firstFailure == nil { firstFailure = result.sentAt }
            } else {
                inRun = false
                if firstFailure != nil && recovery == nil { recovery = result.sentAt }
            }
        }
    }
}
