extension BackendsReport {
    /// The table `tandem backends` prints, one aligned row per server:
    ///
    ///     BACKEND  SERVER  ADDRESS         HEALTH  ADMIN  WEIGHT  INFLIGHT  QUEUE  LAST-CHECK
    ///     app      be1     127.0.0.1:8081  up      drain  1       3         0      ok
    ///
    /// LAST-CHECK comes last because a failure reason has spaces (`connection refused`); `-` means no check.
    /// An ejected server reads `up,ejected`: health and ejection are separate verdicts.
    public func table() -> String {
        let header = ["BACKEND", "SERVER", "ADDRESS", "HEALTH", "ADMIN", "WEIGHT", "INFLIGHT", "QUEUE", "LAST-CHECK"]
        let rows = servers.map { server in
            [
                server.backend, server.server, server.address,
                server.health.rawValue + (server.ejected ? ",ejected" : ""), server.admin.rawValue,
                String(server.weight), String(server.inFlight), String(server.backendQueue), server.lastCheck ?? "-",
            ]
        }
        let lines = [header] + rows
        let widths = header.indices.map { column in lines.map { $0[column].count }.max() ?? 0 }
        return lines.map { cells in
            // The last column is not padded: no trailing spaces.
            let padded = zip(cells.dropLast(), widths).map { $0 + String(repeating: " ", count: $1 - $0.count) }
            return (padded + [cells[cells.count - 1]]).joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

extension BackendsReport.Server {
    /// Where the server stands, for people: `draining, 3 in flight`, `drained (0 in flight)`, `ready and up`.
    public var state: String {
        switch admin {
        case .drain: inFlight > 0 ? "draining, \(inFlight) in flight" : "drained (0 in flight)"
        case .disabled: inFlight > 0 ? "disabled, \(inFlight) in flight" : "disabled (0 in flight)"
        case .ready:
            if ejected {
                "ready but ejected: it takes requests once outlier detection restores it"
            } else if health == .down {
                "ready but down: it takes requests once its health checks pass"
            } else {
                "ready and up"
            }
        }
    }

    /// The line after `action`: `app/be1: draining, 3 in flight`, `app/be1: weight 50, ready and up`.
    public func summary(after action: ServerControlRequest.Action) -> String {
        if case .weight = action { return "\(target): weight \(weight), \(state)" }
        return "\(target): \(state)"
    }

    /// The last line of `--wait`: `app/be1: drained (0 in flight) after 2.4 s`.
    public func settled(after action: ServerControlRequest.Action, elapsed: Duration) -> String {
        let tenths = elapsed.components.seconds * 10 + elapsed.components.attoseconds / 100_000_000_000_000_000
        return "\(summary(after: action)) after \(tenths / 10).\(tenths % 10) s"
    }
}
