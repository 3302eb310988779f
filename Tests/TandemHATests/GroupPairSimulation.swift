import TandemHA

/// Two nodes of an active-active pair, each a ``GroupElections`` over the same VIP groups, wired through a
/// simulated link on a fake clock: ticks every `interval / 2`, one packet per `send` carrying every group,
/// arriving after `latency` unless the link is down; the holders of each group follow the claim and release
/// actions. Time only moves in `run(for:)`.
struct GroupPairSimulation {
    typealias Elections = GroupElections<MockClock>
    typealias Instant = MockClock.Instant

    struct Packet {
        var to: Int
        var groups: [Heartbeat.Group]
        var isFarewell: Bool
        var deliverAt: Instant
    }

    let step = Duration.milliseconds(5)
    let interval = Duration.milliseconds(100)
    var latency = Duration.milliseconds(1)
    private(set) var now = Instant(offset: .zero)
    private(set) var nodes: [Elections]
    /// Per node, the groups it holds.
    private(set) var holding: [Set<String>] = [[], []]
    /// Per group, the longest time both nodes held it at once.
    private(set) var longestDualHolding: [String: Duration] = [:]
    private(set) var transitions: [[(Instant, String, NodeStateMachine<MockClock>.Transition)]] = [[], []]
    private(set) var warnings: [[String]] = [[], []]
    private(set) var mismatches: [[String?]] = [[], []]
    var running = [false, false]
    var linkUp = [true, true]
    /// Per receiver: whether packets authenticate (false: delivered as untrusted version 3 claims).
    var keysMatch = [true, true]

    private let configurations: [[(name: String, configuration: NodeStateMachine<MockClock>.Configuration)]]
    private var epochs: [UInt64] = [1, 1]
    private var nextTick: [Instant?] = [nil, nil]
    private var inFlight: [Packet] = []
    private var dualSince: [String: Instant] = [:]

    /// - Parameter priorities: per group, (name, priority on node 0, priority on node 1).
    init(
        _ priorities: [(group: String, first: Int, second: Int)],
        preemptDelay: Duration = .seconds(1),
        secondNodeGroups: [String]? = nil
    ) {
        func machine(_ name: String, _ priority: Int) -> NodeStateMachine<MockClock>.Configuration {
            .node(name, priority: priority, preemptDelay: preemptDelay)
        }
        let first = priorities.map { ($0.group, machine("lb-a", $0.first)) }
        let second = priorities.filter { secondNodeGroups?.contains($0.group) ?? true }
            .map { ($0.group, machine("lb-b", $0.second)) }
        configurations = [first, second]
        nodes = [Elections(first), Elections(second)]
    }

    /// Each node's state in `group` (nil when it has no such group).
    func state(_ node: Int, _ group: String) -> NodeState? {
        nodes[node].machine(group)?.state
    }

    /// Who holds `group` now: the node indices.
    func holders(_ group: String) -> [Int] {
        (0..<2).filter { holding[$0].contains(group) }
    }

    /// Starts (or restarts, with a new epoch and fresh elections) node `index`.
    mutating func start(_ index: Int) {
        if running[index] { return }
        if nextTick[index] != nil {
            nodes[index] = Elections(configurations[index])
            epochs[index] += 1
        }
        running[index] = true
        nextTick[index] = now
    }

    /// Kills node `index` like SIGKILL: its helper releases what it held, and sends the farewell when
    /// `farewell` (a daemon crash; a host that dies sends nothing).
    mutating func kill(_ index: Int, farewell: Bool = false) {
        running[index] = false
        holding[index] = []
        inFlight.removeAll { $0.to == index }
        if farewell, linkUp[index] {
            inFlight.append(Packet(to: 1 - index, groups: [], isFarewell: true, deliverAt: now.advanced(by: latency)))
        }
    }

    mutating func deliver(_ event: Elections.Event, to index: Int) {
        apply(nodes[index].receive(event), from: index)
    }

    mutating func run(for duration: Duration) {
        let end = now.advanced(by: duration)
        var steps = 0
        while now < end {
            steps += 1
            precondition(steps < 10_000_000, "simulation loop bound")
            now = now.advanced(by: step)
            for index in 0..<2 where running[index] {
                let due = inFlight.filter { $0.to == index && $0.deliverAt <= now }
                inFlight.removeAll { $0.to == index && $0.deliverAt <= now }
                for packet in due { receive(packet, at: index) }
                if let tick = nextTick[index], tick <= now {
                    nextTick[index] = now.advanced(by: interval / 2)
                    apply(nodes[index].receive(.tick(now)), from: index)
                }
            }
            trackDualHolding()
        }
    }

    private mutating func receive(_ packet: Packet, at index: Int) {
        let name = index == 0 ? "lb-b" : "lb-a"
        if keysMatch[index] {
            let peer = Elections.PeerPacket(
                name: name,
                epoch: epochs[1 - index],
                arrival: now,
                isFarewell: packet.isFarewell,
                groups: packet.groups
            )
            apply(nodes[index].receive(.heartbeat(peer)), from: index)
        } else {
            let claim = ClaimedHeartbeat(nodeName: name, groups: packet.groups)
            apply(nodes[index].receive(.untrusted(claim, rejection: .badMAC, arrival: now)), from: index)
        }
    }

    private mutating func apply(_ actions: [Elections.Action], from index: Int) {
        for action in actions {
            switch action {
            case .send(let groups):
                guard linkUp[index], running[1 - index] else { continue }
                inFlight.append(
                    Packet(to: 1 - index, groups: groups, isFarewell: false, deliverAt: now.advanced(by: latency))
                )
            case .claim(let group): holding[index].insert(group)
            case .release(let group): holding[index].remove(group)
            case .reannounce: break
            case .log(let group, let transition): transitions[index].append((now, group, transition))
            case .warnUntrusted(let problem): warnings[index].append(problem)
            case .groupsDiffer(let problem): mismatches[index].append(problem)
            }
        }
    }

    private mutating func trackDualHolding() {
        for group in Set(holding[0]).union(holding[1]) {
            if holding[0].contains(group) && holding[1].contains(group) {
                let since = dualSince[group] ?? now
                dualSince[group] = since
                longestDualHolding[group] = max(longestDualHolding[group] ?? .zero, since.duration(to: now))
            } else {
                dualSince[group] = nil
            }
        }
    }

    /// When node `index` last became ACTIVE in `group`.
    func lastActivation(_ index: Int, _ group: String) -> Instant? {
        transitions[index].last { $0.1 == group && $0.2.to == .active }?.0
    }
}
