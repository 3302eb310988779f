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

    /// Analyses `results`, in any order: the first of their ``disruptions(_:)``.
    public init(_ results: [ProbeResult]) {
        let all = Self.disruptions(results)
        firstFailure = all.first?.firstFailure
        recovery = all.first?.recovery
        failureRuns = all.count
    }

    /// Every run of failed probes in `results` (any order), in send order: a run ends at the first success sent
    /// after it, the next failure starts another.
    public static func disruptions(_ results: [ProbeResult]) -> [ProbeDisruption] {
        var found: [ProbeDisruption] = []
        var inRun = false
        for result in results.sorted(by: { $0.sentAt < $1.sentAt }) {
            if result.ok {
                if inRun { found[found.count - 1].recovery = result.sentAt }
                inRun = false
            } else if inRun {
                found[found.count - 1].lastFailure = result.sentAt
                found[found.count - 1].failed += 1
            } else {
                found.append(ProbeDisruption(firstFailure: result.sentAt, lastFailure: result.sentAt, failed: 1))
                inRun = true
            }
        }
        return found
    }
}

/// One run of failed probes: what a client saw of one failover, or of one blip.
public struct ProbeDisruption: Sendable, Equatable {
    /// Send times of its first and last failed probes.
    public var firstFailure: Duration
    public var lastFailure: Duration
    /// Probes that failed in it.
    public var failed: Int
    /// Send time of the first success after it; nil when none came before the end.
    public var recovery: Duration?

    public init(firstFailure: Duration, lastFailure: Duration, failed: Int, recovery: Duration? = nil) {
        self.firstFailure = firstFailure
        self.lastFailure = lastFailure
        self.failed = failed
        self.recovery = recovery
    }

    /// `recovery − firstFailure`; nil when the service had not come back by the end.
    public var duration: Duration? { recovery.map { $0 - firstFailure } }
}
