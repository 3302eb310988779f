extension TandemConfiguration {
    /// One line for `tandem check` and the startup log, like
    /// `tandem.yaml: OK — node lb-a, 2 frontends, 2 backends, 4 servers, HA with 1 peer and 1 VIP`.
    public func summary(file: String) -> String {
        let serverCount = backends.reduce(0) { $0 + $1.servers.count }
        var parts = [
            "node \(node.name)",
            Self.count(frontends.count, "frontend"),
            Self.count(backends.count, "backend"),
            Self.count(serverCount, "server"),
        ]
        if let ha {
            parts.append("HA with \(Self.count(ha.peers.count, "peer")) and \(Self.count(ha.vips.count, "VIP"))")
        } else {
            parts.append("no HA")
        }
        return "\(file): OK — " + parts.joined(separator: ", ")
    }

    private static func count(_ value: Int, _ noun: String) -> String {
        "\(value) \(noun)\(value == 1 ? "" : "s")"
    }
}
