import Testing

@testable import TandemControl

/// `tandem status` for people: aligned labels, readable durations, VIP holders.
@Suite struct StatusTextTests {
    /// The ACTIVE node's report, line by line.
    @Test func activeNode() {
        let expected = """
            node        lb-a (pid 4242, up 3m 12s)
            state       ACTIVE: peer lb-b is dead
            priority    150 (configured 150)
            peer        lb-b STANDBY, priority 100, heard 23 ms ago
            rtt         median 0.21 ms, p99 0.40 ms
            heartbeats  1234 accepted, 3 rejected (badMAC 2, replay 1)
            tracks      all ok
            vip         198.18.0.100/24 on eth0: held by lb-a (this node)
            """
        #expect(StatusFixtures.active.text() == expected)
    }

    /// A standby that has never heard its peer, with a failing track and helper errors.
    @Test func lonelyStandby() throws {
        var report = StatusFixtures.active
        var ha = try #require(report.ha)
        ha.state = "FAULT"
        ha.reason = "track gateway:198.18.0.1 failing"
        ha.effectivePriority = 0
        ha.peer = nil
        ha.rttMedianMs = nil
        ha.rttP99Ms = nil
        ha.rejected = [:]
        ha.failingTracks = ["gateway:198.18.0.1"]
        ha.vipFailures = 1
        ha.vips = [.init(address: "198.18.0.100/24", interface: "eth0", holder: nil)]
        report.ha = ha
        let lines = report.text().split(separator: "\n").map(String.init)
        #expect(lines.contains("peer        never heard"))
        #expect(lines.contains("rtt         no samples yet"))
        #expect(lines.contains("tracks      failing: gateway:198.18.0.1"))
        #expect(lines.contains("vip errors  1 VIP helper calls failed (see the log)"))
        #expect(lines.contains("vip         198.18.0.100/24 on eth0: held by nobody known"))
    }

    /// The peer's holding is named without "(this node)", and a dead peer is marked.
    @Test func standbySeesPeerHolding() throws {
        var report = StatusFixtures.active
        report.node = "lb-b"
        var ha = try #require(report.ha)
        ha.state = "STANDBY"
        ha.peer = .init(name: "lb-a", state: "ACTIVE", priority: 150, lastHeardMs: 12_345, alive: false)
        ha.vips = [.init(address: "198.18.0.100/24", interface: "eth0", holder: "lb-a")]
        report.ha = ha
        let text = report.text()
        #expect(text.contains("peer        lb-a ACTIVE (dead), priority 150, heard 12.3 s ago"))
        #expect(text.contains("vip         198.18.0.100/24 on eth0: held by lb-a\n") || text.hasSuffix("held by lb-a"))
    }

    /// A node held down by a drill or failover shows the hold and how long it has left.
    @Test func aHoldShowsWhatIsLeft() throws {
        var report = StatusFixtures.active
        var ha = try #require(report.ha)
        ha.state = "STANDBY"
        ha.effectivePriority = 0
        ha.steppedDown = true
        ha.holdRemainingMs = 250_400
        report.ha = ha
        #expect(report.text().contains("priority    0 (configured 150, stepped down, hold 4m 11s left)"))
    }

    /// A node without `ha:` says so.
    @Test func singleNode() {
        let report = NodeStatusReport(node: "solo", pid: 7, uptimeSeconds: 3 * 86_400 + 5 * 3600, ha: nil)
        #expect(report.text() == "node  solo (pid 7, up 3d 5h)\nha    not configured (a single proxy node)")
    }

    /// Milliseconds: two decimals below 10 ms, whole numbers below 10 s, tenths of seconds above.
    @Test(arguments: [(0.004, "0.00 ms"), (0.214, "0.21 ms"), (9.999, "10.00 ms"), (23.4, "23 ms"), (12_345, "12.3 s")])
    func milliseconds(_ value: Double, _ expected: String) {
        #expect(NodeStatusReport.milliseconds(value) == expected)
    }
}
