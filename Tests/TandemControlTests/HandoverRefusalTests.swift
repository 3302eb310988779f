import TandemControl
import Testing

/// `tandem drill` and `tandem failover` refuse, with the reason, whenever the peer could not serve.
@Suite("Handover refusal")
struct HandoverRefusalTests {
    func report(state: String = "ACTIVE", peer: HAStatusReport.Peer?) -> HAStatusReport {
        var report = StatusFixtures.active.ha!
        report.state = state
        report.peer = peer
        return report
    }

    let healthyPeer = HAStatusReport.Peer(name: "lb-b", state: "STANDBY", priority: 100, lastHeardMs: 20, alive: true)

    @Test func anActiveNodeWithAHealthyStandbyMayHandOver() {
        #expect(report(peer: healthyPeer).handoverRefusal(node: "lb-a") == nil)
    }

    /// A peer that is itself stepped down may take over (it only lowers its own priority), so that is no refusal.
    @Test func aSteppedDownPeerMayStillTakeOver() {
        var peer = healthyPeer
        peer.steppedDown = true
        #expect(report(peer: peer).handoverRefusal(node: "lb-a") == nil)
    }

    /// A peer held at priority 0 by an earlier drill may take over too: the handover's announcement ends its hold.
    @Test func aPeerHeldAtZeroMayTakeOver() {
        var peer = healthyPeer
        peer.steppedDown = true
        peer.priority = 0
        #expect(report(peer: peer).handoverRefusal(node: "lb-a") == nil)
    }

    @Test func aStandbyIsToldWhereTheActiveIs() throws {
        var activePeer = healthyPeer
        activePeer.name = "lb-a"
        activePeer.state = "ACTIVE"
        let refusal = try #require(report(state: "STANDBY", peer: activePeer).handoverRefusal(node: "lb-b"))
        #expect(refusal.contains("lb-b is STANDBY, not ACTIVE"))
        #expect(refusal.contains("run it on the ACTIVE node, lb-a"))
    }

    @Test(arguments: [
        ("dead", "not alive"),
        ("fault", "is FAULT, not STANDBY"),
        ("backends", "every backend server of peer lb-b is down"),
        ("zero", "priority 0"),
        ("never", "never been heard"),
    ])
    func anUnfitPeerIsRefused(condition: String, expected: String) throws {
        var peer: HAStatusReport.Peer? = healthyPeer
        switch condition {
        case "dead": peer?.alive = false
        case "fault": peer?.state = "FAULT"
        case "backends": peer?.backendsDown = true
        case "zero": peer?.priority = 0
        default: peer = nil
        }
        let refusal = try #require(report(peer: peer).handoverRefusal(node: "lb-a"))
        #expect(refusal.contains(expected), "\(refusal)")
    }
}
