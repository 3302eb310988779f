import TandemConfig
import TandemHA

extension HARuntime {
    /// Applies the election numbers of a reloaded `ha:` section: `priority`, `preempt`, `preempt_delay`, and the
    /// `backends` track's penalty when `diff` says the tracks kept their shape. The peer hears a new priority with
    /// the next heartbeat, sent at once. Everything else in `ha:` (addresses, peers, key file path, timing, VIPs,
    /// gateway tracks) is set up once at start: `diff` lists it as needing a restart and it is not applied.
    /// Returns the sentence for the reload report, nil when no election number changed.
    public func reconfigure(_ ha: HASettings, diff: ConfigDiff) -> String? {
        let current = heartbeat.machineConfiguration
        let penalty =
            diff.applied.contains("ha.track") ? (ConfigDiff.backendPenalty(ha) ?? 0) : current.backendPenalty
        guard
            current.priority != ha.priority || current.preempt != ha.preempt
                || current.preemptDelay != ha.preemptDelay || current.backendPenalty != penalty
        else { return nil }
        heartbeat.deliver(
            .command(
                .reconfigure(
                    priority: ha.priority,
                    preempt: ha.preempt,
                    preemptDelay: ha.preemptDelay,
                    backendPenalty: penalty
                )
            )
        )
        let message =
            "HA: priority \(ha.priority), preempt \(ha.preempt), preempt_delay \(ha.preemptDelay), "
            + "backends penalty \(penalty) (was \(current.priority), \(current.preempt), \(current.preemptDelay), "
            + "\(current.backendPenalty))"
        return message
    }
}
