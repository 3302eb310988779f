extension TandemConfiguration {
    /// One line for `tandem check` and the startup log, like
    /// `tandem.yaml: OK — node lb-a, 2 frontends, 2 backends, 4 servers, HA with 1 peer and 1 VIP`; with
    /// `ha.groups`, `HA with 1 peer and 2 VIPs in 2 groups: web-a (1 VIP, priority 150), web-b (1 VIP, priority
    /// 100)`.
    public func summary(file: String) -> String {
        let serverCount = backends.reduce(0) { $0 + $1.servers.count }
        var parts = [
            "node \(node.name)",
            Self.count(frontends.count, "frontend"),
            Self.count(backends.count, "backend"),
            Self.count(serverCount, "server"),
        ]
        if let ha {
            var text = "HA with \(Self.count(ha.peers.count, "peer")) and \(Self.count(ha.vips.count, "VIP"))"
            if let groups = ha.declaredGroups {
                // Each group's priority, so the two nodes' summaries show which node each group prefers.
                let list = groups.map { "\($0.name) (\(Self.count($0.vips.count, "VIP")), priority \($0.priority))" }
                text += " in \(Self.count(groups.count, "group")): " + list.joined(separator: ", ")
            }
            parts.append(text)
        } else {
            parts.append("no HA")
        }
        return "\(file): OK — " + parts.joined(separator: ", ")
    }

    private static func count(_ value: Int, _ noun: String) -> String {
        "\(value) \(noun)\(value == 1 ? "" : "s")"
    }
}
