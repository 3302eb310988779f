/// Every election of this node: one ``NodeStateMachine`` per VIP group, all fed the same heartbeats, ticks,
/// tracks and backend health, so that each group has its own state, reasons, priority and preemption while
/// the pair exchanges one datagram. Pure, like the machine: it never reads a clock.
///
/// Why one machine per group rather than one machine with many VIP sets: every rule of the pair (listen
/// first, dead peer, ranking, the preemption handshake, healed partitions, FAULT, untrusted peers) then holds
/// per group unchanged, and a group's decision cannot depend on another group's. What is shared is what is
/// the node's: the peer's liveness (every machine hears the same packets), the tracks (a failing gateway sends
/// every group of the node to FAULT) and the backends.
///
/// Mapping a packet onto the groups: the peer's entry for a group is its word on it; a group it does not carry
/// reads as FAULT with priority 0 (it will not claim that group's VIPs), and the difference is reported once
/// (``Action/groupsDiffer(_:)``). A farewell is FAULT in every group.
public struct GroupElections<C: Clock>: Sendable where C.Duration == Duration {
    public typealias Machine = NodeStateMachine<C>

    /// One group's election.
    public struct Election: Sendable {
        public let group: String
        public fileprivate(set) var machine: Machine
    }

    /// What the service must do, in order.
    public enum Action: Sendable, Hashable {
        /// Send one heartbeat carrying every group's advertisement.
        case send([Heartbeat.Group])
        /// Add the group's VIPs and announce them.
        case claim(group: String)
        /// Remove the group's VIPs.
        case release(group: String)
        /// Announce the group's VIPs again.
        case reannounce(group: String)
        /// A state change of one group.
        case log(group: String, Machine.Transition)
        /// Only untrusted packets arrive from the peer (``NodeStateMachine/UntrustedHeartbeat/problem``).
        case warnUntrusted(String)
        /// The peer's groups and ours differ (the sentence to log), or agree again (nil).
        case groupsDiffer(String?)
    }

    /// One authenticated packet from the peer, stamped with its arrival.
    public struct PeerPacket: Sendable, Hashable {
        public var name: String
        public var epoch: UInt64
        public var arrival: C.Instant
        public var isFarewell: Bool
        /// Its entries (none in a farewell).
        public var groups: [Heartbeat.Group]

        public init(
            name: String,
            epoch: UInt64,
            arrival: C.Instant,
            isFarewell: Bool = false,
            groups: [Heartbeat.Group]
        ) {
            self.name = name
            self.epoch = epoch
            self.arrival = arrival
            self.isFarewell = isFarewell
            self.groups = groups
        }
    }

    /// Something the elections must react to.
    public enum Event: Sendable {
        case heartbeat(PeerPacket)
        /// A packet from a peer address that did not authenticate: what it claims, why it was refused.
        case untrusted(ClaimedHeartbeat, rejection: HeartbeatRejection, arrival: C.Instant)
        case tick(C.Instant)
        case track(String, ok: Bool)
        case backendsHealthy(Bool)
        /// An administrator's command for one group, or for every group (nil).
        case command(Machine.Command, group: String?)
    }

    /// The elections, in configuration order.
    public private(set) var elections: [Election]
    /// Set while the peer's groups differ from ours: the sentence `tandem status` shows.
    public private(set) var groupMismatch: String?

    /// - Precondition: at least one group, distinct valid names, one node name (TandemConfig validates).
    public init(_ groups: [(name: String, configuration: Machine.Configuration)]) {
        precondition(!groups.isEmpty && groups.count <= Heartbeat.maximumGroups, "1...16 groups")
        precondition(Set(groups.map(\.name)).count == groups.count, "group names must be distinct")
        precondition(groups.allSatisfy { Heartbeat.isValidNodeName($0.name) }, "group names must be 1...63 bytes")
        precondition(Set(groups.map(\.configuration.nodeName)).count == 1, "one node name")
        elections = groups.map { Election(group: $0.name, machine: Machine(configuration: $0.configuration)) }
    }

    /// The group names, in order.
    public var groupNames: [String] { elections.map(\.group) }

    /// The machine of `group`.
    public func machine(_ group: String) -> Machine? {
        elections.first { $0.group == group }?.machine
    }

    /// What the next heartbeat carries.
    public var advertisements: [Heartbeat.Group] {
        elections.map { election in
            let advertisement = election.machine.advertisement
            return Heartbeat.Group(
                name: election.group,
                state: advertisement.state,
                flags: advertisement.flags,
                priority: advertisement.priority
            )
        }
    }

    /// The node's state in one word: FAULT when every group is, else ACTIVE when any group is, else STANDBY
    /// when any is, else INITIAL. With one group, that group's state.
    public var summaryState: NodeState {
        Self.summary(elections.map(\.machine.state))
    }

    /// The summary of several groups' states (see ``summaryState``).
    public static func summary(_ states: [NodeState]) -> NodeState {
        if states.allSatisfy({ $0 == .fault }) { return .fault }
        if states.contains(.active) { return .active }
        if states.contains(.standby) { return .standby }
        if states.contains(.initial) { return .initial }
        return .fault
    }

    /// The earliest deadline of any group (see ``NodeStateMachine/nextDeadline``).
    public var nextDeadline: C.Instant? {
        elections.compactMap(\.machine.nextDeadline).min()
    }

    /// Feeds one event to every group it concerns; one `send` at the end carries every group when any of them
    /// wanted to send.
    public mutating func receive(_ event: Event) -> [Action] {
        var actions: [Action] = []
        var wantsSend = false
        var warned: Set<String> = []
        if case .heartbeat(let packet) = event, !packet.isFarewell { compareGroups(packet, &actions) }
        for index in elections.indices {
            let group = elections[index].group
            guard let machineEvent = Self.event(event, for: group) else { continue }
            for action in elections[index].machine.receive(machineEvent) {
                switch action {
                case .send: wantsSend = true
                case .claimVIPs: actions.append(.claim(group: group))
                case .releaseVIPs: actions.append(.release(group: group))
                case .reannounceVIPs: actions.append(.reannounce(group: group))
                case .log(let transition): actions.append(.log(group: group, transition))
                case .warnUntrusted(let problem):
                    if warned.insert(problem).inserted { actions.append(.warnUntrusted(problem)) }
                }
            }
        }
        if wantsSend { actions.append(.send(advertisements)) }
        return actions
    }

    /// The machine's view of `event` for `group`; nil when the event is a command for another group.
    private static func event(_ event: Event, for group: String) -> Machine.Event? {
        switch event {
        case .heartbeat(let packet):
            let entry =
                packet.isFarewell
                ? nil : packet.groups.first { $0.name == group }
            return .heartbeat(
                Machine.PeerHeartbeat(
                    name: packet.name,
                    epoch: packet.epoch,
                    state: entry?.state ?? .fault,
                    flags: entry?.flags ?? [],
                    priority: entry?.priority ?? 0,
                    arrival: packet.arrival,
                    isFarewell: packet.isFarewell
                )
            )
        case .untrusted(let claimed, let rejection, let arrival):
            let claim = claimed.claim(forGroup: group)
            return .untrusted(
                Machine.UntrustedHeartbeat(
                    name: claimed.nodeName,
                    state: claim?.state ?? .fault,
                    priority: claim?.priority ?? 0,
                    rejection: rejection,
                    version: claimed.version,
                    arrival: arrival
                )
            )
        case .tick(let now):
            return .tick(now)
        case .track(let name, let ok):
            return .track(name, ok: ok)
        case .backendsHealthy(let healthy):
            return .backendsHealthy(healthy)
        case .command(let command, let target):
            guard target == nil || target == group else { return nil }
            return .command(command)
        }
    }

    /// Reports once when the peer's groups stop (or start again) matching ours.
    private mutating func compareGroups(_ packet: PeerPacket, _ actions: inout [Action]) {
        let theirs = packet.groups.map(\.name)
        let missing = groupNames.filter { !theirs.contains($0) }
        let extra = theirs.filter { !groupNames.contains($0) }
        var sentence: String?
        if !missing.isEmpty || !extra.isEmpty {
            var parts: [String] = []
            if !missing.isEmpty {
                parts.append("\(packet.name) does not declare \(missing.joined(separator: ", ")) (read as FAULT there)")
            }
            if !extra.isEmpty { parts.append("it declares \(extra.joined(separator: ", ")), which this node does not") }
            sentence = parts.joined(separator: "; ") + ": both nodes need the same ha.groups"
        }
        guard sentence != groupMismatch else { return }
        groupMismatch = sentence
        actions.append(.groupsDiffer(sentence))
    }
}
