import NIOCore
import TandemBalancing

extension HealthChecker {
    /// What the checker tracks for one target; lives on the checker's event loop.
    struct TargetState: Sendable {
        /// Consecutive results and the current verdict.
        var counter: HealthCounter
        /// The timer of the next probe, while waiting for it.
        var nextProbe: Scheduled<Void>?
        /// The probe running now, if any.
        var inFlight: EventLoopFuture<ProbeOutcome>?
        /// The reason of the latest failure, for the DOWN log line.
        var lastFailure = ""
    }

    /// Where the checker is in its life.
    enum Phase: Sendable {
        /// Created, not started.
        case idle
        /// Probing on schedule.
        case running
        /// Stopped for good; probe results that still arrive are dropped.
        case stopped
    }

    /// Everything mutable of the checker except the published verdicts; confined to the event loop.
    struct LoopState: Sendable {
        var phase = Phase.idle
        var targets: [TargetState]
        var random: any RandomNumberGenerator & Sendable
    }
}
