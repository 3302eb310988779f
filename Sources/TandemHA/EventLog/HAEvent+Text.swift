extension HAEvent {
    /// The event-specific part of the line for people (stderr and the `tandem logs` table), e.g.
    /// `STANDBY -> ACTIVE: peer dead: no valid heartbeat for 0.3 seconds`.
    public var details: String {
        switch event {
        case .started, .stopped:
            return "state \(state ?? "?")" + (reason.map { ": \($0)" } ?? "")
        case .transition:
            return "\(from ?? "?") -> \(to ?? "?"): \(reason ?? "")"
        case .peerAlive:
            return "peer \(peer ?? "?") alive"
        case .peerDead:
            let silence = silentMs.map { " after \(Self.number($0)) ms without a heartbeat" } ?? ""
            return "peer \(peer ?? "?") dead\(silence)"
        case .rejected:
            let suppressedText = (suppressed ?? 0) > 0 ? " (\(suppressed ?? 0) suppressed before)" : ""
            return "heartbeat rejected: \(reason ?? "?")\(suppressedText)"
        case .vipClaim, .vipRelease, .vipAnnounce:
            var text = "\(vip ?? "?")@\(interface ?? "?")"
            if let error {
                text += " failed: \(error)"
            } else {
                text += " ok"
            }
            if let totalMs { text += " in \(Self.number(totalMs)) ms" }
            if let steps, !steps.isEmpty {
                text += " ("
                text += steps.map { step in
                    "\(step.step) \(Self.number(step.ms)) ms" + (step.detail.map { " \($0)" } ?? "")
                }.joined(separator: ", ")
                text += ")"
            }
            return text
        case .untrustedPeer, .reconcile, .groupsDiffer:
            return reason ?? "?"
        case .paused:
            let gap = silentMs.map { "\(Self.number($0)) ms without a tick: " } ?? ""
            return gap + (reason ?? "?")
        case .vipFault:
            return ok == true ? "the VIP claim FAULT ended" : "claiming the VIPs kept failing: \(error ?? "?")"
        case .keysReloaded:
            return ok == true ? "key file re-read: \(reason ?? "")" : "key file refused, old keys kept: \(error ?? "?")"
        case .summary:
            var parts = ["sent \(sent ?? 0)", "received \(received ?? 0)"]
            parts.append("lost \(lost ?? 0)/\(expected ?? 0) (\(Self.number(lossPercent ?? 0))%)")
            if let rttP50Ms, let rttP99Ms {
                parts.append("rtt p50 \(Self.number(rttP50Ms)) ms p99 \(Self.number(rttP99Ms)) ms")
            }
            if let jitterMs { parts.append("jitter \(Self.number(jitterMs)) ms") }
            parts.append("rejected \(rejected ?? 0)")
            parts.append("state \(state ?? "?")")
            if let peer { parts.append("peer \(peer) \(peerState ?? "?")") }
            return parts.joined(separator: ", ")
        }
    }

    /// The line logged on stderr (journald) for this event: the event name, the group, and its details.
    public var humanLine: String {
        "\(event.rawValue) \(groupPrefix)\(details)"
    }

    /// `group web-a: ` for a line about one group, else nothing.
    public var groupPrefix: String {
        group.map { "group \($0): " } ?? ""
    }
}
