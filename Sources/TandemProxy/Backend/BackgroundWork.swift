import NIOCore
import TandemHealth

/// A backend's timers and checkers that outlive single requests, so a drain can stop them all.
struct BackgroundWork: Sendable {
    /// The active health checker, once started.
    var checker: HealthChecker?
    /// The pending outlier expiry timer and the instant it is set for.
    var expiry: (timer: Scheduled<Void>, at: ContinuousClock.Instant)?
    /// Set by `stop()`; nothing new is started afterwards.
    var isStopped = false
}
