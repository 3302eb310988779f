import Testing

@testable import TandemHA

/// Mismatched keys (issue 14, item 1): exactly one holder, the one the ranking picks, and a warning on both.
@Suite("Untrusted peer (mismatched keys)")
struct UntrustedPeerTests {
    /// Runs `simulation` for `duration`, failing when both nodes ever hold at once after the first second.
    func expectOneHolder(_ simulation: inout PairSimulation, for duration: Duration) {
        var elapsed = Duration.zero
        while elapsed < duration {
            simulation.run(for: .milliseconds(50))
            elapsed += .milliseconds(50)
            #expect(simulation.holdsVIPs.filter { $0 }.count == 1, "holders \(simulation.holdsVIPs) at \(elapsed)")
        }
    }

    /// Both start with different keys at once: the higher priority holds, the other stays STANDBY; both warn.
    @Test(arguments: [(150, 100), (100, 150), (100, 100)])
    func simultaneousStart(priorities: (Int, Int)) {
        var simulation = PairSimulation(
            .node("lb-a", priority: priorities.0),
            .node("lb-b", priority: priorities.1)
        )
        simulation.keysMatch = [false, false]
        simulation.start(0)
        simulation.start(1, tickPhase: .milliseconds(25))
        simulation.run(for: .seconds(1))
        expectOneHolder(&simulation, for: .seconds(10))
        let winner = priorities.0 >= priorities.1 ? 0 : 1  // equal: the lower name, lb-a
        #expect(simulation.holdsVIPs[winner])
        #expect(simulation.states[1 - winner] == .standby)
        for index in 0..<2 {
            #expect(simulation.warnings[index].first?.contains("fail authentication: check key_file") == true)
        }
        #expect(simulation.machines[1 - winner].reason.contains("fail authentication: check key_file"))
    }

    /// The STANDBY restarts with a wrong key while the ACTIVE holds: it never claims. Then the ACTIVE
    /// restarts with a wrong key while the other node holds: the restarted one stays STANDBY although it
    /// outranks (preemption needs trust).
    @Test func restartWithWrongKey() {
        var simulation = PairSimulation(.node("lb-a", priority: 150), .node("lb-b", priority: 100))
        simulation.start(0)
        simulation.run(for: .seconds(1))
        simulation.start(1, tickPhase: .milliseconds(25))
        simulation.run(for: .seconds(2))
        #expect(simulation.states == [.active, .standby])

        simulation.kill(1)
        simulation.keysMatch = [false, false]
        simulation.run(for: .seconds(1))
        simulation.start(1)
        expectOneHolder(&simulation, for: .seconds(10))
        #expect(simulation.states == [.active, .standby])
        #expect(simulation.claims[1].isEmpty)

        simulation.kill(0)
        simulation.run(for: .seconds(1))
        #expect(simulation.holdsVIPs == [false, true])  // a dead peer is no untrusted peer either
        simulation.start(0)
        expectOneHolder(&simulation, for: .seconds(10))
        #expect(simulation.states == [.standby, .active])
    }

    /// Both ACTIVE with mismatched keys (a partition healed after one key changed): the outranked releases.
    @Test func bothActiveHeal() {
        var simulation = PairSimulation(.node("lb-a", priority: 150), .node("lb-b", priority: 100))
        simulation.keysMatch = [false, false]
        simulation.linkUp = [false, false]
        simulation.start(0)
        simulation.start(1)
        simulation.run(for: .seconds(2))
        #expect(simulation.holdsVIPs == [true, true])
        simulation.linkUp = [true, true]
        simulation.run(for: .milliseconds(300))
        expectOneHolder(&simulation, for: .seconds(5))
        #expect(simulation.holdsVIPs == [true, false])
    }

    /// One direction mismatched (lb-b cannot verify lb-a, lb-a verifies lb-b): still one holder.
    @Test func oneDirectionMismatched() {
        var simulation = PairSimulation(.node("lb-a", priority: 100), .node("lb-b", priority: 150))
        simulation.keysMatch = [true, false]
        simulation.start(0)
        simulation.start(1, tickPhase: .milliseconds(25))
        simulation.run(for: .seconds(1))
        expectOneHolder(&simulation, for: .seconds(10))
    }

    /// The pair recovers by itself once the keys match again: normal rules, no warning left.
    @Test func recoversWhenKeysMatchAgain() {
        var simulation = PairSimulation(.node("lb-a", priority: 150), .node("lb-b", priority: 100))
        simulation.keysMatch = [false, false]
        simulation.start(0)
        simulation.start(1, tickPhase: .milliseconds(25))
        simulation.run(for: .seconds(2))
        simulation.keysMatch = [true, true]
        expectOneHolder(&simulation, for: .seconds(3))
        #expect(simulation.states == [.active, .standby])
        #expect(simulation.machines[0].untrusted == nil && simulation.machines[1].untrusted == nil)
        #expect(!simulation.machines[1].reason.contains("key_file"))
    }

    /// A forger can suppress a claim but never cause one: a lone STANDBY whose peer died does not claim while
    /// forged ACTIVE packets arrive, and claims once they stop; forged FAULT packets cause nothing.
    @Test func forgeriesOnlySuppress() {
        var machine = NodeStateMachine<MockClock>(configuration: .node("lb-b", priority: 100))
        let clock = MockClock()
        var now = clock.now
        var claims = 0
        func feed(_ event: NodeStateMachine<MockClock>.Event) {
            claims += machine.receive(event).filter { $0 == .claimVIPs }.count
        }
        for _ in 0..<20 {
            feed(.untrusted(.init(name: "lb-x", state: .active, priority: 1, rejection: .badMAC, arrival: now)))
            feed(.tick(now))
            now = now.advanced(by: .milliseconds(50))
        }
        #expect(claims == 0)
        #expect(machine.state == .standby)
        for _ in 0..<20 {
            feed(.tick(now))
            now = now.advanced(by: .milliseconds(50))
        }
        #expect(claims == 1)
        #expect(machine.state == .active)
    }
}
