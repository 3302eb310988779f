import TandemConfig
import TandemHA

extension HARuntime {
    /// Applies the election numbers of a reloaded `ha:` section, per VIP group: `priority`, `preempt`,
    /// `preempt_delay` (a group's own or the top-level default), and the `backends` track's penalty when `diff`
    /// says the tracks kept their shape. The peer hears a new priority with the next heartbeat, sent at once.
    /// Everything else in `ha:` (addresses, peers, key file path, timing, the groups and their VIPs, gateway
    /// tracks) is set up once at start: `diff` lists it as needing a restart and it is not applied; a group the
    /// running service does not have is skipped for the same reason.
    /// Returns the sentences for the reload report, empty when no election number changed.
    public func reconfigure(_ ha: HASettings, diff: ConfigDiff) -> [String] {
        let wanted = Dictionary(
            ha.groups.map { ($0.name, $0) },
            uniquingKeysWith: { first, _ in first }
        )
        var messages: [String] = []
        for (group, current) in heartbeat.groupConfigurations {
            guard let settings = wanted[group] else { continue }
            let penalty =
                diff.applied.contains("ha.track") ? (ConfigDiff.backendPenalty(ha) ?? 0) : current.backendPenalty
            guard
                current.priority != settings.priority || current.preempt != settings.preempt
                    || current.preemptDelay != settings.preemptDelay || current.backendPenalty != penalty
            else { continue }
            heartbeat.deliver(
                .command(
                    .reconfigure(
                        priority: settings.priority,
                        preempt: settings.preempt,
                        preemptDelay: settings.preemptDelay,
                        backendPenalty: penalty
                    ),
                    group: group
                )
            )
            let which = ha.declaredGroups == nil ? "HA" : "HA group \(group)"
            messages.append(
                "\(which): priority \(settings.priority), preempt \(settings.preempt), preempt_delay "
                    + "\(settings.preemptDelay), backends penalty \(penalty) (was \(current.priority), "
                    + "\(current.preempt), \(current.preemptDelay), \(current.backendPenalty))"
            )
        }
        return messages
    }
}
