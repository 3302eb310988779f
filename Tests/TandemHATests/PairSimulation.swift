import TandemHA

/// Two ``NodeStateMachine``s wired through a simulated link on a fake clock: each node ticks every
/// `interval / 2`, `.send` actions become packets that arrive after `latency` unless the link is down or the
/// packet is lost, and the VIP holders follow the claim/release actions. Time only moves in `run(for:)`.
struct PairSimulation {
    typealias Machine = NodeStateMachine<MockClock>
    typealias Instant = MockClock.Instant

    struct Packet {
        var to: Int
        var heartbeat: Machine.PeerHeartbeat
        var deliverAt: Instant
    }

    let step = Duration.milliseconds(5)
    let interval: Duration
    var latency = Duration.milliseconds(1)
    private(set) var now = Instant(offset: .zero)
    private(set) var machines: [Machine]
    private(set) var holdsVIPs = [false, false]
    /// Claims per node, with their instants.
    private(set) var claims: [[Instant]] = [[], []]
    private(set) var releases: [[Instant]] = [[], []]
    private(set) var reannounces: [[Instant]] = [[], []]
    private(set) var transitions: [[(Instant, Machine.Transition)]] = [[], []]
    private(set) var warnings: [[String]] = [[], []]
    /// Arrival of the newest packet delivered to each node.
    private(set) var lastDelivery: [Instant?] = [nil, nil]
    /// The longest time both nodes held the VIPs at once.
    private(set) var longestDualActive = Duration.zero
    /// Whether each node runs (false: dead or not started; its packets are dropped).
    var running = [false, false]
    /// Frozen nodes neither tick nor process packets; packets to them wait in the queue.
    var frozen = [false, false]
    /// Per direction (index = sender): whether packets go through.
    var linkUp = [true, true]
    /// Per receiver: whether packets authenticate (false: a mismatched key, delivered as untrusted).
    var keysMatch = [true, true]
    var lossRate = 0.0
    var maximumConsecutiveLosses = 1
    var generator = SplitMix64(seed: 1)

    private var epochs: [UInt64] = [1, 1]
    private var nextTick: [Instant?] = [nil, nil]
    private var inFlight: [Packet] = []
    private var consecutiveLosses = [0, 0]
    private var dualActiveSince: Instant?

    init(_ first: Machine.Configuration, _ second: Machine.Configuration) {
        precondition(first.interval == second.interval)
        interval = first.interval
        machines = [Machine(configuration: first), Machine(configuration: second)]
    }

    var states: [NodeState] { machines.map(\.state) }

    /// Starts (or restarts, with a new boot epoch and a fresh machine) node `index` now.
    mutating func start(_ index: Int, tickPhase: Duration = .zero) {
        if running[index] { return }
        if nextTick[index] != nil {
            machines[index] = Machine(configuration: machines[index].configuration)
            epochs[index] += 1
        }
        running[index] = true
        nextTick[index] = now.advanced(by: tickPhase)
    }

    /// Kills node `index` like SIGKILL: it stops at once and the VIP helper releases what it held.
    mutating func kill(_ index: Int) {
        running[index] = false
        if holdsVIPs[index] {
            holdsVIPs[index] = false
            releases[index].append(now)
        }
        inFlight.removeAll { $0.to == index }
    }

    /// Feeds an event other than a tick or a heartbeat to node `index`.
    mutating func deliver(_ event: Machine.Event, to index: Int) {
        apply(machines[index].receive(event), from: index)
    }

    mutating func run(for duration: Duration) {
        let end = now.advanced(by: duration)
        var steps = 0
        while now < end {
            steps += 1
            precondition(steps < 10_000_000, "simulation loop bound")
            now = now.advanced(by: step)
            for index in 0..<2 where running[index] && !frozen[index] {
                deliverPackets(to: index)
                if let due = nextTick[index], due <= now {
                    let next = due.advanced(by: interval / 2)
                    nextTick[index] = next > now ? next : now.advanced(by: interval / 2)
                    apply(machines[index].receive(.tick(now)), from: index)
                }
            }
            trackDualActive()
        }
    }

    private mutating func deliverPackets(to index: Int) {
        let due = inFlight.filter { $0.to == index && $0.deliverAt <= now }
        inFlight.removeAll { $0.to == index && $0.deliverAt <= now }
        for packet in due {
            var heartbeat = packet.heartbeat
            heartbeat.arrival = now
            lastDelivery[index] = now
            if keysMatch[index] {
                apply(machines[index].receive(.heartbeat(heartbeat)), from: index)
            } else {
                let claim = Machine.UntrustedHeartbeat(
                    name: heartbeat.name,
                    state: heartbeat.state,
                    priority: heartbeat.priority,
                    rejection: .badMAC,
                    arrival: now
                )
                apply(machines[index].receive(.untrusted(claim)), from: index)
            }
        }
    }

    private mutating func apply(_ actions: [Machine.Action], from index: Int) {
        for action in actions {
            switch action {
            case .send(let advertisement):
                transmit(advertisement, from: index)
            case .claimVIPs:
                holdsVIPs[index] = true
                claims[index].append(now)
            case .releaseVIPs:
                holdsVIPs[index] = false
                releases[index].append(now)
            case .reannounceVIPs:
                reannounces[index].append(now)
            case .log(let transition):
                transitions[index].append((now, transition))
            case .warnUntrusted(let problem):
                warnings[index].append(problem)
            }
        }
    }

    private mutating func transmit(_ advertisement: Machine.Advertisement, from index: Int) {
        let peer = 1 - index
        guard linkUp[index], running[peer] else { return }
        if lossRate > 0, consecutiveLosses[index] < maximumConsecutiveLosses,
            Double.random(in: 0..<1, using: &generator) < lossRate
        {
            consecutiveLosses[index] += 1
            return
        }
        consecutiveLosses[index] = 0
        let heartbeat = Machine.PeerHeartbeat(
            name: machines[index].configuration.nodeName,
            epoch: epochs[index],
            state: advertisement.state,
            flags: advertisement.flags,
            priority: advertisement.priority,
            arrival: now
        )
        inFlight.append(Packet(to: peer, heartbeat: heartbeat, deliverAt: now.advanced(by: latency)))
    }

    private mutating func trackDualActive() {
        if holdsVIPs[0] && holdsVIPs[1] {
            let since = dualActiveSince ?? now
            dualActiveSince = since
            longestDualActive = max(longestDualActive, since.duration(to: now))
        } else {
            dualActiveSince = nil
        }
    }

    /// Instants at which node `index` entered ACTIVE.
    func activations(_ index: Int) -> [Instant] {
        transitions[index].filter { $0.1.to == .active }.map(\.0)
    }
}

extension NodeStateMachine<MockClock>.Configuration {
    static func node(
        _ name: String,
        priority: Int = 100,
        preempt: Bool = true,
        preemptDelay: Duration = .seconds(1),
        backendPenalty: Int = 100
    ) -> Self {
        Self(
            nodeName: name,
            priority: priority,
            interval: .milliseconds(100),
            deadAfter: 3,
            preempt: preempt,
            preemptDelay: preemptDelay,
            backendPenalty: backendPenalty
        )
    }
}
