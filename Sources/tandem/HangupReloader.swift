import Logging
import ServiceLifecycle
import UnixSignals

/// Runs the daemon's reload actions on every SIGHUP (logrotate's `postrotate`, `systemctl reload`), in the
/// order registered, until graceful shutdown. Each action reports its own errors and keeps the old state in
/// force, so one failing action (a bad certificate) never stops the others (reopening the log).
struct HangupReloader: Service {
    /// One thing to reload; `name` appears in the log line.
    struct Action: Sendable {
        var name: String
        var run: @Sendable () async -> Void
    }

    let actions: [Action]
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            logger.notice("SIGHUP: reloading \(actions.map(\.name).joined(separator: ", "))")
            for action in actions { await action.run() }
        }
    }
}
