/// What `tandem probe` prints at the end (`--json`: this object). Durations are milliseconds; `atMs` is from the
/// start of probing. Pure.
public struct ProbeReport: Codable, Sendable, Equatable {
    /// The URL probed, and whether on one kept connection.
    public var probe: String
    public var keepAlive: Bool
    public var intervalMs: Double
    public var timeoutMs: Double
    /// Probes sent, answered below 500 in time, and failed.
    public var probes: Int
    public var succeeded: Int
    public var failed: Int
    /// Failures by reason (`timeout`, `refused`, `reset`, `closed`, `status 503`...).
    public var failures: [String: Int]
    /// Connections established: one per probe that connected, or the kept connections opened.
    public var connections: Int
    /// The first outage, as a drill measures it: first failed probe to the first success after it; 0 when none
    /// failed; nil when the service did not come back before the end.
    public var outageMs: Double?
    /// Separate runs of failed probes.
    public var failureRuns: Int
    /// Every run of failed probes, in order.
    public var outages: [Outage]
    /// Whether the last probe sent was answered (the exit status is 0 when it was).
    public var upAtEnd: Bool

    /// One run of failed probes.
    public struct Outage: Codable, Sendable, Equatable {
        /// Send time of its first failed probe.
        public var atMs: Double
        /// To the first success sent after it; nil when the service had not come back by the end.
        public var outageMs: Double?
        public var failed: Int

        public init(atMs: Double, outageMs: Double?, failed: Int) {
            self.atMs = atMs
            self.outageMs = outageMs
            self.failed = failed
        }
    }

    public init(
        probe: String,
        keepAlive: Bool,
        interval: Duration,
        timeout: Duration,
        results: [ProbeResult],
        connections: Int
    ) {
        let ordered = results.sorted { $0.sentAt < $1.sentAt }
        self.probe = probe
        self.keepAlive = keepAlive
        self.intervalMs = HAStatusReport.milliseconds(interval)
        self.timeoutMs = HAStatusReport.milliseconds(timeout)
        self.probes = ordered.count
        self.succeeded = ordered.filter(\.ok).count
        self.failed = ordered.count - succeeded
        var failures: [String: Int] = [:]
        for result in ordered { if let failure = result.failure { failures[failure, default: 0] += 1 } }
        self.failures = failures
        self.connections = connections
        let outage = ProbeOutage(ordered)
        self.outageMs = outage.duration.map(HAStatusReport.milliseconds)
        self.failureRuns = outage.failureRuns
        self.outages = ProbeOutage.disruptions(ordered).map { run in
            Outage(
                atMs: HAStatusReport.milliseconds(run.firstFailure),
                outageMs: run.duration.map(HAStatusReport.milliseconds),
                failed: run.failed
            )
        }
        self.upAtEnd = ordered.last?.ok ?? false
    }

    /// The summary for people; at most `listed` outages are spelt out.
    public func text(listed: Int = 10) -> String {
        func ms(_ value: Double) -> String { "\((value * 10).rounded() / 10) ms" }
        func at(_ value: Double) -> String { "+\((value / 100).rounded() / 10) s" }
        let reasons = failures.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        var runs = outages.prefix(listed).map { run in
            if let outageMs = run.outageMs { return "\(ms(outageMs)) at \(at(run.atMs)) (\(run.failed) failed)" }
            return "from \(at(run.atMs)) on, not back by the end (\(run.failed) failed)"
        }
        if outages.count > listed { runs.append("\(outages.count - listed) more") }
        let how = keepAlive ? "one keep-alive connection (a new one after a failure)" : "a new connection each"
        let lines: [(String, String)] = [
            ("probe", "\(probe) every \(ms(intervalMs)), timeout \(ms(timeoutMs)), \(how)"),
            ("probes", "\(probes) sent, \(succeeded) ok, \(failed) failed" + (reasons.isEmpty ? "" : " (\(reasons))")),
            ("connections", "\(connections)"),
            ("outages", runs.isEmpty ? "none" : "\(outages.count): " + runs.joined(separator: "; ")),
            ("end", upAtEnd ? "answering" : "NOT answering"),
        ]
        let width = lines.map(\.0.count).max() ?? 0
        return lines.map { $0.0.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.1 }
            .joined(separator: "\n")
    }
}
