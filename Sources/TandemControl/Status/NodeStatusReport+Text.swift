extension NodeStatusReport {
    /// The report for people: one aligned `label  value` line per fact, VIPs one per line.
    ///
    /// Example:
    /// ```
    /// node        lb-a (pid 4242, up 3m 12s)
    /// state       ACTIVE: peer lb-b is dead (no valid heartbeat for 150 ms)
    /// priority    150 (configured 150)
    /// peer        lb-b STANDBY, priority 100, heard 23 ms ago
    /// rtt         median 0.21 ms, p99 0.40 ms
    /// heartbeats  1234 accepted, 0 rejected
    /// tracks      all ok
    /// vip         198.18.0.100/24 on eth0: held by lb-a (this node)
    /// ```
    ///
    /// With `ha.groups`, one `group` line per group follows the state (its state, priorities, the peer's state
    /// there and why), and each VIP names its group.
    public func text() -> String {
        var lines: [(String, String)] = [("node", "\(node) (pid \(pid), up \(Self.uptime(uptimeSeconds)))")]
        guard let ha else {
            lines.append(("ha", "not configured (a single proxy node)"))
            return Self.aligned(lines)
        }
        lines.append(("state", "\(ha.state): \(ha.reason)"))
        if let warning = ha.warning { lines.append(("warning", warning)) }
        if ha.declaresGroups == true {
            for group in ha.groups ?? [] { lines.append(("group", Self.describe(group))) }
        }
        var stepped = ha.steppedDown ? ", stepped down" : ""
        if let left = ha.holdRemainingMs { stepped += ", hold \(Self.uptime(Double((left + 999) / 1000))) left" }
        lines.append(("priority", "\(ha.effectivePriority) (configured \(ha.configuredPriority)\(stepped))"))
        if let peer = ha.peer {
            var conditions = peer.alive ? "" : " (dead)"
            if peer.backendsDown { conditions += " (all its backends down)" }
            if peer.steppedDown { conditions += " (stepped down)" }
            lines.append(
                (
                    "peer",
                    "\(peer.name) \(peer.state)\(conditions), priority \(peer.priority), "
                        + "heard \(Self.milliseconds(peer.lastHeardMs)) ago"
                )
            )
        } else {
            lines.append(("peer", "never heard"))
        }
        if let median = ha.rttMedianMs, let p99 = ha.rttP99Ms {
            lines.append(("rtt", "median \(Self.milliseconds(median)), p99 \(Self.milliseconds(p99))"))
        } else {
            lines.append(("rtt", "no samples yet"))
        }
        if let skew = ha.clockSkewMs {
            let direction = skew >= 0 ? "ahead" : "behind"
            lines.append(
                ("clock skew", "peer \(Self.milliseconds(abs(skew))) \(direction) (shown only; never decides)")
            )
        }
        var heartbeats = "\(ha.accepted) accepted, \(ha.rejectedTotal) rejected"
        let nonzero = ha.rejected.filter { $0.value > 0 }.sorted { $0.key < $1.key }
        if !nonzero.isEmpty {
            heartbeats += " (" + nonzero.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
        }
        lines.append(("heartbeats", heartbeats))
        lines.append(
            ("tracks", ha.failingTracks.isEmpty ? "all ok" : "failing: " + ha.failingTracks.joined(separator: ", "))
        )
        if ha.vipFailures > 0 {
            lines.append(("vip errors", "\(ha.vipFailures) VIP helper calls failed (see the log)"))
        }
        if let problem = ha.vipProblem { lines.append(("vip problem", problem)) }
        if let pause = ha.lastPause { lines.append(("last pause", pause)) }
        for vip in ha.vips {
            let holder: String =
                if let holder = vip.holder {
                    holder == node ? "held by \(holder) (this node)" : "held by \(holder)"
                } else {
                    "held by nobody known"
                }
            let group = ha.declaresGroups == true ? vip.group.map { " (group \($0))" } ?? "" : ""
            lines.append(("vip", "\(vip.address) on \(vip.interface)\(group): \(holder)"))
        }
        return Self.aligned(lines)
    }

    /// `web-a ACTIVE, priority 150 (configured 150), peer STANDBY 100: nobody ACTIVE and we outrank lb-b (...)`.
    static func describe(_ group: HAStatusReport.Group) -> String {
        var priority = "priority \(group.effectivePriority) (configured \(group.configuredPriority)"
        if group.steppedDown { priority += ", stepped down" }
        if let left = group.holdRemainingMs { priority += ", hold \(uptime(Double((left + 999) / 1000))) left" }
        priority += ")"
        var peer = "peer " + (group.peerState ?? "unknown")
        if let peerPriority = group.peerPriority, group.peerState != nil { peer += " \(peerPriority)" }
        if group.peerBackendsDown { peer += " (all its backends down)" }
        var text = "\(group.name) \(group.state), \(priority), \(peer): \(group.reason)"
        if let problem = group.vipProblem { text += " [vip problem: \(problem)]" }
        return text
    }

    /// Labels padded to one column, values after two spaces.
    static func aligned(_ lines: [(String, String)]) -> String {
        let width = lines.map(\.0.count).max() ?? 0
        return lines.map { label, value in
            label + String(repeating: " ", count: width - label.count + 2) + value
        }.joined(separator: "\n")
    }

    /// `0.21 ms`, `23 ms`, `1.5 s`: precise when small, short when large.
    static func milliseconds(_ value: Double) -> String {
        if value < 10 {
            let hundredths = (value * 100).rounded()
            let whole = Int(hundredths) / 100
            let fraction = Int(hundredths) % 100
            return "\(whole).\(fraction < 10 ? "0" : "")\(fraction) ms"
        }
        if value < 10_000 { return "\(Int(value.rounded())) ms" }
        let tenths = Int((value / 100).rounded())
        return "\(tenths / 10).\(tenths % 10) s"
    }

    /// `42s`, `3m 12s`, `5h 2m`, `2d 4h`.
    static func uptime(_ seconds: Double) -> String {
        let total = Int(seconds)
        let (days, hours, minutes, secs) = (total / 86_400, total / 3600 % 24, total / 60 % 60, total % 60)
        if days > 0 { return "\(days)d \(hours)h" }
        if hours > 0 { return "\(hours)h \(minutes)m" }
        if minutes > 0 { return "\(minutes)m \(secs)s" }
        return "\(secs)s"
    }
}
