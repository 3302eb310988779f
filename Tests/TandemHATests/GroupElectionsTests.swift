import Testing

@testable import TandemHA

/// Active-active: two VIP groups, each node outranking the other in one, on a fake clock.
@Suite("VIP groups (active-active)")
struct GroupElectionsTests {
    static let groups = [(group: "web-a", first: 150, second: 100), (group: "web-b", first: 100, second: 150)]
    /// Dead window (3 × 100 ms) plus a tick and the link latency.
    static let failoverBound = Duration.milliseconds(300 + 50 + 10)

    func healthyPair() -> GroupPairSimulation {
        var simulation = GroupPairSimulation(Self.groups)
        simulation.start(0)
        simulation.start(1)
        simulation.run(for: .seconds(3))
        return simulation
    }

    /// With both healthy, each node is ACTIVE for the group it outranks and STANDBY for the other, and every
    /// group has exactly one holder.
    @Test func eachNodeHoldsItsOwnGroup() {
        let simulation = healthyPair()
        #expect(simulation.state(0, "web-a") == .active)
        #expect(simulation.state(0, "web-b") == .standby)
        #expect(simulation.state(1, "web-a") == .standby)
        #expect(simulation.state(1, "web-b") == .active)
        #expect(simulation.holders("web-a") == [0])
        #expect(simulation.holders("web-b") == [1])
        #expect(simulation.nodes[0].summaryState == .active)
        #expect(simulation.longestDualHolding.values.allSatisfy { $0 == .zero })
    }

    /// One datagram carries every group: the advertisement lists both, each with its own priority.
    @Test func oneHeartbeatCarriesEveryGroup() {
        let simulation = healthyPair()
        #expect(
            simulation.nodes[0].advertisements == [
                Heartbeat.Group(name: "web-a", state: .active, priority: 150),
                Heartbeat.Group(name: "web-b", state: .standby, priority: 100),
            ]
        )
    }

    /// When a node's host dies, its peer takes every group within one dead window; when it returns, only its
    /// own group comes back, by preemption after the delay, and no group ever has two holders.
    @Test func peerTakesEveryGroupAndGivesBackOnlyItsOwn() {
        var simulation = healthyPair()
        let killed = simulation.now
        simulation.kill(0)
        simulation.run(for: .seconds(1))
        #expect(simulation.holders("web-a") == [1])
        #expect(simulation.holders("web-b") == [1])
        let takeover = try! #require(simulation.lastActivation(1, "web-a"))
        #expect(killed.duration(to: takeover) <= Self.failoverBound)

        simulation.start(0)
        simulation.run(for: .milliseconds(800))  // listening, then STANDBY: preempt_delay (1 s) not yet over
        #expect(simulation.holders("web-a") == [1])
        simulation.run(for: .seconds(2))
        #expect(simulation.holders("web-a") == [0])
        #expect(simulation.holders("web-b") == [1])
        #expect(simulation.state(0, "web-b") == .standby)
        #expect(simulation.longestDualHolding.values.allSatisfy { $0 == .zero })
    }

    /// A daemon crash: the helper's farewell makes the peer take every group at once, not after the dead window.
    @Test func farewellHandsOverEveryGroupAtOnce() {
        var simulation = healthyPair()
        let killed = simulation.now
        simulation.kill(1, farewell: true)
        simulation.run(for: .milliseconds(50))
        #expect(simulation.holders("web-a") == [0])
        #expect(simulation.holders("web-b") == [0])
        let takeover = try! #require(simulation.lastActivation(0, "web-b"))
        #expect(killed.duration(to: takeover) <= .milliseconds(20))
    }

    /// Tracks act per node: a failing gateway sends every group of that node to FAULT, and the peer takes them.
    @Test func aFailingTrackFaultsEveryGroupOfTheNode() {
        var simulation = healthyPair()
        simulation.deliver(.track("gateway:198.18.0.1", ok: false), to: 1)
        simulation.run(for: .milliseconds(100))
        #expect(simulation.state(1, "web-a") == .fault)
        #expect(simulation.state(1, "web-b") == .fault)
        #expect(simulation.nodes[1].summaryState == .fault)
        #expect(simulation.holders("web-b") == [0])
        simulation.deliver(.track("gateway:198.18.0.1", ok: true), to: 1)
        simulation.run(for: .seconds(3))
        #expect(simulation.holders("web-b") == [1])
        #expect(simulation.holders("web-a") == [0])
    }

    /// A command for one group moves that group only.
    @Test func aCommandForOneGroupMovesOnlyThatGroup() {
        var simulation = healthyPair()
        simulation.deliver(.command(.stepDown(penalty: 1000, duration: .seconds(60)), group: "web-a"), to: 0)
        simulation.run(for: .milliseconds(100))
        #expect(simulation.holders("web-a") == [1])
        #expect(simulation.holders("web-b") == [1])
        #expect(simulation.state(0, "web-a") == .standby)
        #expect(simulation.nodes[0].machine("web-b")?.isSteppedDown == false)
        simulation.deliver(.command(.resume, group: nil), to: 0)
        simulation.run(for: .seconds(2))
        #expect(simulation.holders("web-a") == [0])
    }

    /// Mismatched keys: only untrusted claims arrive, read per group; the ranking's node ends as the one holder
    /// of each group, and both nodes warn.
    @Test func mismatchedKeysLeaveOneHolderPerGroup() {
        var simulation = GroupPairSimulation(Self.groups)
        simulation.keysMatch = [false, false]
        simulation.start(0)
        simulation.start(1)
        simulation.run(for: .seconds(3))
        #expect(simulation.holders("web-a") == [0])
        #expect(simulation.holders("web-b") == [1])
        #expect(simulation.warnings[0].count == 1)
        #expect(simulation.warnings[1].count == 1)
        #expect(simulation.warnings[0].first?.contains("fail authentication") == true)
    }

    /// A healed partition: both held both groups; on the first heartbeats, each group's outranked node
    /// releases, and each group ends with its ranking's holder.
    @Test func healedPartitionLeavesOneHolderPerGroup() {
        var simulation = healthyPair()
        simulation.linkUp = [false, false]
        simulation.run(for: .seconds(1))
        #expect(simulation.holders("web-a") == [0, 1])
        simulation.linkUp = [true, true]
        simulation.run(for: .milliseconds(200))
        #expect(simulation.holders("web-a") == [0])
        #expect(simulation.holders("web-b") == [1])
    }

    /// A peer that does not declare a group reads as FAULT there (it will not hold it), and the difference is
    /// reported once, not on every heartbeat.
    @Test func aGroupThePeerDoesNotDeclareIsReportedOnce() {
        var simulation = GroupPairSimulation(Self.groups, secondNodeGroups: ["web-a"])
        simulation.start(0)
        simulation.start(1)
        simulation.run(for: .seconds(3))
        #expect(simulation.holders("web-b") == [0])
        #expect(simulation.holders("web-a") == [0])
        #expect(simulation.mismatches[0].count == 1)
        #expect(simulation.mismatches[0].first??.contains("lb-b does not declare web-b") == true)
        #expect(simulation.mismatches[1].count == 1)
        #expect(simulation.mismatches[1].first??.contains("it declares web-b") == true)
        #expect(simulation.nodes[0].groupMismatch != nil)
    }

    /// Backends all down on a node lower its priority in every group: its own group moves to the peer.
    @Test func backendsDownLowerEveryGroup() {
        var simulation = healthyPair()
        simulation.deliver(.backendsHealthy(false), to: 0)
        simulation.run(for: .seconds(2))
        #expect(simulation.holders("web-a") == [1])
        #expect(simulation.nodes[0].advertisements.allSatisfy { $0.flags.contains(.backendsDown) })
    }

    /// The summary of the node's states.
    @Test func summaryState() {
        typealias Elections = GroupElections<MockClock>
        #expect(Elections.summary([.fault, .fault]) == .fault)
        #expect(Elections.summary([.fault, .active]) == .active)
        #expect(Elections.summary([.standby, .initial]) == .standby)
        #expect(Elections.summary([.initial, .fault]) == .initial)
        #expect(Elections.summary([.active]) == .active)
    }
}
