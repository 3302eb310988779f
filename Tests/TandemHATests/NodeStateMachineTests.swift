import Testing

@testable import TandemHA

@Suite("Node state machine")
struct NodeStateMachineTests {
    typealias Machine = NodeStateMachine<MockClock>
    let deadWindow = Duration.milliseconds(300)
    let interval = Duration.milliseconds(100)

    /// A pair where node 0 (`lb-a`, priority 150) became ACTIVE alone and node 1 (`lb-b`) joined and is STANDBY.
    func settledPair(preempt: Bool = true, preemptDelay: Duration = .seconds(1)) -> PairSimulation {
        var simulation = PairSimulation(
            .node("lb-a", priority: 150, preempt: preempt, preemptDelay: preemptDelay),
            .node("lb-b", priority: 100, preempt: preempt, preemptDelay: preemptDelay)
        )
        simulation.start(0)
        simulation.run(for: .seconds(1))
        simulation.start(1, tickPhase: .milliseconds(25))
        simulation.run(for: .seconds(2))
        #expect(simulation.states == [.active, .standby])
        return simulation
    }

    /// A node that boots while its peer is ACTIVE listens, then stays STANDBY — even when it outranks the peer
    /// and preemption is off.
    @Test func bootWhilePeerIsActive() {
        var simulation = PairSimulation(
            .node("lb-a", priority: 100, preempt: false),
            .node("lb-b", priority: 200, preempt: false)
        )
        simulation.start(0)
        simulation.run(for: .seconds(1))
        #expect(simulation.states == [.active, .initial])
        simulation.start(1)
        simulation.run(for: .milliseconds(200))
        #expect(simulation.states == [.active, .initial])
        simulation.run(for: .seconds(10))
        #expect(simulation.states == [.active, .standby])
        #expect(simulation.claims[1].isEmpty)
        #expect(simulation.releases[0].isEmpty)
        #expect(simulation.machines[1].reason.contains("lb-a is ACTIVE"))
    }

    /// A node alone claims after exactly its listen period (dead window), not before.
    @Test func aloneClaimsAfterListening() {
        var simulation = PairSimulation(.node("lb-a"), .node("lb-b"))
        simulation.start(0)
        simulation.run(for: deadWindow - .milliseconds(5))
        #expect(simulation.states[0] == .initial)
        simulation.run(for: interval)
        #expect(simulation.states[0] == .active)
    }

    /// When the ACTIVE dies, the STANDBY claims within the dead window (+ one tick) of the last heartbeat.
    @Test func peerDeath() throws {
        var simulation = settledPair()
        simulation.kill(0)
        let lastHeard = try #require(simulation.lastDelivery[1])
        simulation.run(for: .seconds(1))
        #expect(simulation.states[1] == .active)
        let claim = try #require(simulation.claims[1].last)
        let takeover = lastHeard.duration(to: claim)
        #expect(takeover >= deadWindow)
        #expect(takeover <= deadWindow + interval / 2 + simulation.step)
    }

    /// The next deadline is the listen end at start, then the peer's dead line; ticking exactly there claims.
    @Test func nextDeadline() throws {
        let clock = MockClock()
        var machine = Machine(configuration: .node("lb-b"))
        _ = machine.receive(.tick(clock.now))
        #expect(machine.nextDeadline == clock.now.advanced(by: deadWindow))
        clock.advance(by: .milliseconds(40))
        let heartbeat = Machine.PeerHeartbeat(name: "lb-a", epoch: 1, state: .active, priority: 100, arrival: clock.now)
        _ = machine.receive(.heartbeat(heartbeat))
        #expect(machine.nextDeadline == clock.now.advanced(by: deadWindow - .milliseconds(40)))
        clock.advance(by: deadWindow - .milliseconds(40))
        _ = machine.receive(.tick(clock.now))
        #expect(machine.state == .standby)
        let deadLine = try #require(machine.nextDeadline)
        #expect(deadLine == heartbeat.arrival.advanced(by: deadWindow))
        #expect(!machine.receive(.tick(deadLine.advanced(by: .nanoseconds(-1)))).contains(.claimVIPs))
        #expect(machine.receive(.tick(deadLine)).contains(.claimVIPs))
        #expect(machine.nextDeadline == nil)
    }

    /// Drops shorter than the dead window change nothing; longer ones make the STANDBY claim at most once per
    /// dead window, and it steps back on the first heartbeat of the higher-priority ACTIVE.
    @Test func flappingLink() {
        var simulation = settledPair()
        for _ in 0..<20 {
            simulation.linkUp = [false, false]
            simulation.run(for: .milliseconds(180))
            simulation.linkUp = [true, true]
            simulation.run(for: .milliseconds(110))
        }
        #expect(simulation.claims[1].isEmpty)
        #expect(simulation.states == [.active, .standby])
        for _ in 0..<20 {
            simulation.linkUp = [false, false]
            simulation.run(for: .milliseconds(450))
            simulation.linkUp = [true, true]
            simulation.run(for: .milliseconds(60))
        }
        let activations = simulation.activations(1)
        #expect(activations.count >= 10)
        for (earlier, later) in zip(activations, activations.dropFirst()) {
            #expect(earlier.duration(to: later) >= deadWindow)
        }
        #expect(simulation.activations(0).count == 1)
        simulation.run(for: .seconds(1))
        #expect(simulation.states == [.active, .standby])
    }

    /// Partition then heal: both ACTIVE during the partition, exactly one after one heartbeat; the winner
    /// re-announces the VIPs once and the loser releases once.
    @Test func partitionAndHeal() throws {
        var simulation = settledPair()
        let reannouncedBefore = simulation.reannounces[0].count
        simulation.linkUp = [false, false]
        simulation.run(for: .seconds(2))
        #expect(simulation.states == [.active, .active])
        simulation.linkUp = [true, true]
        let healed = simulation.now
        simulation.run(for: interval + simulation.latency + simulation.step)
        #expect(simulation.states == [.active, .standby])
        #expect(simulation.reannounces[0].count == reannouncedBefore + 1)
        #expect(simulation.releases[1].count == 1)
        let release = try #require(simulation.releases[1].first)
        #expect(healed.duration(to: release) <= interval + simulation.latency + simulation.step)
        simulation.run(for: .seconds(5))
        #expect(simulation.states == [.active, .standby])
        #expect(simulation.reannounces[0].count == reannouncedBefore + 1)
        #expect(simulation.reannounces[1].isEmpty)
    }

    /// With preemption, a returning higher-priority node takes over only after `preempt_delay` of stable
    /// STANDBY heartbeats: the ACTIVE releases first, the other claims after — never both ACTIVE.
    @Test(arguments: [Duration.zero, .seconds(2)])
    func preemption(delay: Duration) throws {
        var simulation = settledPair(preemptDelay: delay)
        simulation.kill(0)
        simulation.run(for: .seconds(1))
        #expect(simulation.states[1] == .active)
        simulation.start(0)
        simulation.run(for: deadWindow + interval)
        if delay > .zero {
            #expect(simulation.states == [.standby, .active])
        }
        let standbyAt = try #require(simulation.transitions[0].last { $0.1.to == .standby }?.0)
        simulation.run(for: delay + .seconds(1))
        #expect(simulation.states == [.active, .standby])
        let release = try #require(simulation.releases[1].last)
        let claim = try #require(simulation.claims[0].last)
        #expect(standbyAt.duration(to: release) >= delay)
        #expect(standbyAt.duration(to: release) <= delay + interval + simulation.step)
        #expect(release <= claim)
        #expect(simulation.longestDualActive == .zero)
        simulation.run(for: .seconds(5))
        #expect(simulation.claims[0].count == 2)
    }

    /// Without preemption the current ACTIVE keeps the VIPs when the higher-priority node returns.
    @Test func noPreemptionKeepsTheActive() {
        var simulation = settledPair(preempt: false)
        simulation.kill(0)
        simulation.run(for: .seconds(1))
        simulation.start(0)
        simulation.run(for: .seconds(10))
        #expect(simulation.states == [.standby, .active])
        #expect(simulation.claims[0].count == 1)
        #expect(simulation.claims[1].count == 1)
    }

    /// A frozen ACTIVE (SIGSTOP, VM pause) that resumes must not take the VIPs back when preemption is off:
    /// it releases at once, listens, and stays STANDBY. Checked with packets or a tick processed first.
    @Test(arguments: [false, true])
    func freezeAndResumeWithoutPreemption(packetsFirst: Bool) {
        var simulation = settledPair(preempt: false)
        simulation.frozen[0] = true
        simulation.run(for: .seconds(1))
        #expect(simulation.states[1] == .active)
        #expect(simulation.holdsVIPs == [true, true])
        if !packetsFirst {
            simulation.deliver(.tick(simulation.now), to: 0)
        }
        simulation.frozen[0] = false
        simulation.run(for: simulation.step)
        #expect(simulation.holdsVIPs == [false, true])
        #expect(simulation.machines[0].counters.freezes == 1)
        simulation.run(for: .seconds(10))
        #expect(simulation.states == [.standby, .active])
        #expect(simulation.claims[0].count == 1)
        #expect(simulation.claims[1].count == 1)
    }

    /// A frozen STANDBY that resumes must not take the peer's silence during its freeze for a death.
    @Test(arguments: [false, true])
    func frozenStandbyDoesNotClaimOnResume(tickFirst: Bool) {
        var simulation = settledPair(preempt: false)
        simulation.frozen[1] = true
        simulation.run(for: .seconds(2))
        if tickFirst {
            simulation.deliver(.tick(simulation.now), to: 1)
        }
        simulation.frozen[1] = false
        simulation.run(for: .seconds(3))
        #expect(simulation.states == [.active, .standby])
        #expect(simulation.claims[1].isEmpty)
        #expect(simulation.machines[1].counters.freezes == 1)
    }

    /// With preemption, the resumed higher-priority node moves the VIPs back exactly once, after
    /// `preempt_delay`.
    @Test func freezeAndResumeWithPreemption() throws {
        var simulation = settledPair(preempt: true, preemptDelay: .seconds(2))
        simulation.frozen[0] = true
        simulation.run(for: .seconds(1))
        simulation.frozen[0] = false
        let resumed = simulation.now
        simulation.run(for: .seconds(2))
        #expect(simulation.states == [.standby, .active])
        simulation.run(for: .seconds(10))
        #expect(simulation.states == [.active, .standby])
        #expect(simulation.claims[0].count == 2)
        let moveBack = try #require(simulation.claims[0].last)
        #expect(resumed.duration(to: moveBack) >= .seconds(2))
        #expect(simulation.claims[1].count == 1)
    }

    /// A failing gateway track: FAULT, VIPs released, priority 0 advertised; the peer claims. On recovery the
    /// node is STANDBY (and without preemption stays so).
    @Test func trackFailureAndRecovery() throws {
        var simulation = settledPair(preempt: false)
        simulation.deliver(.track("gateway:198.18.0.1", ok: false), to: 0)
        #expect(simulation.states[0] == .fault)
        #expect(simulation.holdsVIPs[0] == false)
        #expect(simulation.machines[0].advertisement == .init(state: .fault, priority: 0))
        #expect(simulation.machines[0].reason.contains("gateway:198.18.0.1"))
        simulation.run(for: simulation.latency + simulation.step)
        #expect(simulation.states == [.fault, .active])
        simulation.run(for: .seconds(2))
        #expect(simulation.states == [.fault, .active])
        simulation.deliver(.track("gateway:198.18.0.1", ok: true), to: 0)
        #expect(simulation.states[0] == .standby)
        simulation.run(for: .seconds(5))
        #expect(simulation.states == [.standby, .active])
    }

    /// All backends down lowers the priority by the penalty and lets the peer win, even without preemption.
    @Test func backendsDownLetThePeerWin() {
        var simulation = settledPair(preempt: false)
        simulation.deliver(.backendsHealthy(false), to: 0)
        #expect(simulation.machines[0].effectivePriority == 50)
        simulation.run(for: interval)
        #expect(simulation.states == [.standby, .active])
        #expect(simulation.longestDualActive == .zero)
        // The peer learns why: the flag travels in the heartbeat (what `tandem drill` checks on it).
        #expect(simulation.machines[1].peer?.flags == [.backendsDown])
        simulation.deliver(.backendsHealthy(true), to: 0)
        simulation.run(for: interval)
        #expect(simulation.machines[1].peer?.flags == [])
        simulation.run(for: .seconds(3))
        #expect(simulation.states == [.standby, .active])
    }

    /// Equal priorities: the lexicographically lower name wins when both start together, with no overlap.
    @Test(arguments: [Duration.zero, .milliseconds(30), .milliseconds(290)])
    func equalPrioritiesTieByName(offset: Duration) {
        var simulation = PairSimulation(.node("lb-b"), .node("lb-a"))
        simulation.start(0)
        simulation.run(for: offset)
        simulation.start(1, tickPhase: .milliseconds(10))
        simulation.run(for: .seconds(3))
        #expect(simulation.states == [.standby, .active])
        #expect(simulation.longestDualActive == .zero)
        #expect(simulation.claims[0].isEmpty)
    }

    /// An administrative step-down hands over at once when the penalty lets the healthy peer outrank us;
    /// `resume` restores the priority (and with preemption the node takes the VIPs back after the delay).
    @Test func stepDownAndResume() {
        var simulation = settledPair(preempt: true, preemptDelay: .seconds(1))
        simulation.deliver(.command(.stepDown(penalty: 100, duration: .seconds(60))), to: 0)
        #expect(simulation.states[0] == .standby)
        simulation.run(for: interval)
        #expect(simulation.states == [.standby, .active])
        #expect(simulation.machines[1].peer?.flags == [.steppedDown])
        simulation.run(for: .seconds(5))
        #expect(simulation.states == [.standby, .active])
        simulation.deliver(.command(.resume), to: 0)
        simulation.run(for: .seconds(3))
        #expect(simulation.states == [.active, .standby])
    }

    /// A reload that raises the STANDBY's priority above the ACTIVE's: the peer hears it with the next heartbeat
    /// and, the STANDBY having been stable for longer than the preempt delay, yields at once; lowering the
    /// priority again with preemption off moves nothing.
    @Test func reconfiguredPriorityIsAdvertisedAndPreempts() {
        var simulation = settledPair(preempt: true, preemptDelay: .seconds(1))
        simulation.deliver(
            .command(.reconfigure(priority: 200, preempt: true, preemptDelay: .seconds(1), backendPenalty: 0)),
            to: 1
        )
        #expect(simulation.machines[1].configuration.priority == 200)
        simulation.run(for: interval)
        #expect(simulation.machines[0].peer?.priority == 200)
        simulation.run(for: .seconds(1))
        #expect(simulation.states == [.standby, .active])

        simulation.deliver(
            .command(.reconfigure(priority: 100, preempt: false, preemptDelay: .seconds(1), backendPenalty: 0)),
            to: 1
        )
        simulation.run(for: .seconds(3))
        #expect(simulation.states == [.standby, .active])
        #expect(simulation.machines[1].configuration.preempt == false)
    }

    /// A step-down's end is known from its first tick on (what `tandem status` shows as the hold left), and
    /// the step-down goes when it passes.
    @Test func aStepDownEndsWhenItsHoldRunsOut() {
        var simulation = settledPair(preempt: false)
        #expect(simulation.machines[0].stepDownEnds == nil)
        simulation.deliver(.command(.stepDown(penalty: 100, duration: .seconds(5))), to: 0)
        simulation.run(for: interval)
        let ends = simulation.machines[0].stepDownEnds
        #expect(ends != nil)
        if let ends { #expect(simulation.now.duration(to: ends) <= .seconds(5)) }
        simulation.run(for: .seconds(5))
        #expect(simulation.machines[0].stepDownEnds == nil)
        #expect(!simulation.machines[0].isSteppedDown)
    }

    /// After a drill held lb-a down for a minute, `tandem failover` on lb-b hands the VIPs back to it at once: the
    /// announcement in lb-b's authenticated heartbeats ends lb-a's hold, even without preemption.
    @Test func anOperatorHandoverEndsThePeersHold() {
        var simulation = settledPair(preempt: false)
        simulation.deliver(.command(.stepDown(penalty: Int(UInt16.max), duration: .seconds(60))), to: 0)
        simulation.run(for: .seconds(1))
        #expect(simulation.states == [.standby, .active])
        #expect(simulation.machines[0].isSteppedDown)
        simulation.deliver(.command(.announceHandover(duration: .seconds(3))), to: 1)
        simulation.deliver(.command(.stepDown(penalty: Int(UInt16.max), duration: .seconds(60))), to: 1)
        #expect(simulation.machines[1].advertisement.flags.contains(.handingOver))
        simulation.run(for: .seconds(1))
        #expect(simulation.states == [.active, .standby])
        #expect(!simulation.machines[0].isSteppedDown)
        simulation.run(for: .seconds(3))
        #expect(!simulation.machines[1].advertisement.flags.contains(.handingOver), "the announcement ends")
        #expect(simulation.states == [.active, .standby])
    }

    /// Randomized pairs (priorities, preemption, start offsets, backend flaps, 10% loss with at most one
    /// packet lost in a row): never both ACTIVE for longer than two send intervals, and once settled exactly
    /// one ACTIVE.
    @Test func randomizedPairsNeverKeepTwoActives() {
        var seeds = SplitMix64(seed: 0xA11CE)
        for run in 0..<40 {
            var generator = SplitMix64(seed: seeds.next())
            let preempt = Bool.random(using: &generator)
            var simulation = PairSimulation(
                .node(
                    "lb-a",
                    priority: Int.random(in: 90...110, using: &generator),
                    preempt: preempt,
                    preemptDelay: .milliseconds(Int.random(in: 0...800, using: &generator)),
                    backendPenalty: 15
                ),
                .node(
                    "lb-b",
                    priority: Int.random(in: 90...110, using: &generator),
                    preempt: preempt,
                    preemptDelay: .milliseconds(Int.random(in: 0...800, using: &generator)),
                    backendPenalty: 15
                )
            )
            simulation.lossRate = run.isMultiple(of: 2) ? 0 : 0.1
            simulation.generator = SplitMix64(seed: generator.next())
            simulation.start(0)
            simulation.run(for: .milliseconds(Int.random(in: 0...400, using: &generator)))
            simulation.start(1, tickPhase: .milliseconds(Int.random(in: 0...49, using: &generator)))
            for _ in 0..<20 {
                simulation.run(for: .milliseconds(Int.random(in: 50...600, using: &generator)))
                let node = Int.random(in: 0...1, using: &generator)
                simulation.deliver(.backendsHealthy(Bool.random(using: &generator)), to: node)
            }
            simulation.deliver(.backendsHealthy(true), to: 0)
            simulation.deliver(.backendsHealthy(true), to: 1)
            simulation.run(for: .seconds(3))
            let bound = simulation.lossRate == 0 ? interval + simulation.latency : interval * 3
            #expect(simulation.longestDualActive <= bound, "run \(run)")
            #expect(simulation.holdsVIPs.filter { $0 }.count == 1, "run \(run): \(simulation.states)")
        }
    }
}
