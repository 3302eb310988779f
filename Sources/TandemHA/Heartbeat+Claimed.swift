/// What an unauthenticated packet *claims*: the sender's name and its state and priority per group, read with
/// no MAC check.
///
/// Used for one thing only: a node that hears a peer address speak while no heartbeat from it authenticates
/// (a mismatched `key_file`, an older version during a rolling upgrade) may suppress or withdraw its own claim
/// on the strength of it, never make one (see ``NodeStateMachine`` and the deployment guide). A forger can
/// therefore at most keep this node from holding the VIPs, which anyone able to flood the heartbeat link
/// could do anyway; it can never cause a takeover or two holders.
///
/// Versions 1 and 2 carry one election (state at 24+N, priority at 26+N), which speaks for every group: an
/// older node holds every VIP it knows. Version 3 carries the groups (``Heartbeat``). Later versions are not
/// read: their layout is unknown here.
public struct ClaimedHeartbeat: Sendable, Hashable {
    /// The protocol version byte.
    public var version: UInt8
    /// The name the packet carries.
    public var nodeName: String
    /// What it claims.
    public var claims: Claims

    /// The claims of a packet, by version.
    public enum Claims: Sendable, Hashable {
        /// Versions 1 and 2: one state and priority for everything.
        case wholeNode(state: NodeState, priority: UInt16)
        /// Version 3: one entry per group.
        case groups([Heartbeat.Group])
    }

    /// A version 1 or 2 claim.
    public init(version: UInt8, nodeName: String, state: NodeState, priority: UInt16) {
        self.version = version
        self.nodeName = nodeName
        self.claims = .wholeNode(state: state, priority: priority)
    }

    /// A version 3 claim.
    public init(nodeName: String, groups: [Heartbeat.Group]) {
        self.version = 3
        self.nodeName = nodeName
        self.claims = .groups(groups)
    }

    /// What it claims for the group `name`: its one election (versions 1, 2), its entry for the group, or nil
    /// when it carries none (it does not claim the group).
    public func claim(forGroup name: String) -> (state: NodeState, priority: UInt16)? {
        switch claims {
        case .wholeNode(let state, let priority): (state, priority)
        case .groups(let groups): groups.first { $0.name == name }.map { ($0.state, $0.priority) }
        }
    }

    /// Reads the claim of a version 1, 2 or 3 packet; nil when that does not parse.
    public init?(parsing packet: [UInt8]) {
        guard packet.count >= 8, Array(packet[0..<4]) == Heartbeat.magic, (1...3).contains(packet[4]) else {
            return nil
        }
        let nameLength = Int(packet[7])
        guard nameLength >= 1, nameLength <= Heartbeat.maximumNameLength,
            let name = String(validating: packet.dropFirst(8).prefix(nameLength), as: UTF8.self),
            name.utf8.count == nameLength
        else { return nil }
        if packet[4] == 3 {
            guard let parsed = try? Heartbeat.parse(packet) else { return nil }
            self.init(nodeName: name, groups: parsed.heartbeat.groups)
            return
        }
        guard packet.count >= 28 + nameLength, let state = NodeState(rawValue: packet[24 + nameLength]) else {
            return nil
        }
        var reader = BigEndianReader(bytes: packet, offset: 26 + nameLength)
        self.init(version: packet[4], nodeName: name, state: state, priority: reader.readUInt16())
    }
}
