/// What `tandem drill` prints (`--json`: this object). Durations are milliseconds.
public struct DrillReport: Codable, Sendable, Equatable {
    /// The URL probed.
    public var probe: String
    public var intervalMs: Double
    public var timeoutMs: Double
    /// Probes sent, answered below 500 in time, and failed.
    public var probes: Int
    public var succeeded: Int
    public var failed: Int
    /// Failures by reason (`timeout`, `refused`, `reset`, `status 503`...).
    public var failures: [String: Int]
    /// First failed probe to the first success after it; 0 when none failed; nil when the service never came
    /// back before the drill ended.
    public var outageMs: Double?
    /// Separate runs of failed probes.
    public var failureRuns: Int
    /// Step-down to the peer's first ACTIVE heartbeat, as the old ACTIVE measured it.
    public var handoverMs: Double?
    /// The old ACTIVE and the peer.
    public var node: String
    public var peer: String
    /// Both nodes' states at the end, as this node knows them.
    public var nodeState: String
    public var peerState: String
    /// How long the old ACTIVE stays stepped down.
    public var holdMs: Double
    /// Whether the handover completed and the service came back.
    public var passed: Bool
    /// The VIP groups drilled (nodes with `ha.groups` only).
    public var groups: [String]?

    public init(
        probe: String,
        intervalMs: Double,
        timeoutMs: Double,
        results: [ProbeResult],
        handover: HandoverReport,
        nodeState: String,
        peerState: String
    ) {
        self.probe = probe
        self.intervalMs = intervalMs
        self.timeoutMs = timeoutMs
        self.probes = results.count
        self.succeeded = results.filter(\.ok).count
        self.failed = results.count - succeeded
        var failures: [String: Int] = [:]
        for result in results { if let failure = result.failure { failures[failure, default: 0] += 1 } }
        self.failures = failures
        let outage = ProbeOutage(results)
        self.outageMs = outage.duration.map(HAStatusReport.milliseconds)
        self.failureRuns = outage.failureRuns
        self.handoverMs = handover.handoverMs
        self.node = handover.node
        self.peer = handover.peer
        self.nodeState = nodeState
        self.peerState = peerState
        self.holdMs = handover.holdMs
        self.passed = handover.handoverMs != nil && outage.duration != nil && peerState == "ACTIVE"
        self.groups = handover.groups
    }

    /// The report for people.
    public func text() -> String {
        func ms(_ value: Double?) -> String {
            value.map { "\(($0 * 10).rounded() / 10) ms" } ?? "n/a"
        }
        let reasons = failures.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        let lines: [(String, String)] = [
            (
                "drill",
                passed
                    ? "passed: \(peer) took over" + (groups.map { " " + $0.joined(separator: ", ") } ?? "") : "FAILED"
            ),
            ("probe", "\(probe) every \(ms(intervalMs)), timeout \(ms(timeoutMs)), new connection each"),
            ("handover", "\(ms(handoverMs)) (\(node) stepped down → \(peer) ACTIVE)"),
            ("outage", outageMs == nil ? "service did not come back during the drill" : ms(outageMs)),
            ("probes", "\(probes) sent, \(succeeded) ok, \(failed) failed" + (reasons.isEmpty ? "" : " (\(reasons))")),
            ("final", "\(node) \(nodeState), \(peer) \(peerState)"),
            ("hold", "\(node) stays stepped down for \(ms(holdMs))"),
        ]
        let width = lines.map(\.0.count).max() ?? 0
        return lines.map { $0.0.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.1 }
            .joined(separator: "\n")
    }
}
