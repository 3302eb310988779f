/// What an unauthenticated packet *claims*: the sender's name, state and priority, read from the part of the
/// layout shared by every protocol version, with no MAC check.
///
/// Used for one thing only: a node that hears a peer address speak while no heartbeat from it authenticates
/// (a mismatched `key_file`, an older version during a rolling upgrade) may suppress or withdraw its own claim
/// on the strength of it, never make one (see ``NodeStateMachine`` and the deployment guide). A forger can
/// therefore at most keep this node from holding the VIPs, which anyone able to flood the heartbeat link
/// could do anyway; it can never cause a takeover or two holders.
public struct ClaimedHeartbeat: Sendable, Hashable {
    /// The protocol version byte.
    public var version: UInt8
    /// The name the packet carries.
    public var nodeName: String
    /// The state it claims.
    public var state: NodeState
    /// The priority it claims.
    public var priority: UInt16

    public init(version: UInt8, nodeName: String, state: NodeState, priority: UInt16) {
        self.version = version
        self.nodeName = nodeName
        self.state = state
        self.priority = priority
    }

    /// Reads the shared prefix of a version 1 or 2 packet; nil when even that does not parse.
    public init?(parsing packet: [UInt8]) {
        guard packet.count >= 8, Array(packet[0..<4]) == Heartbeat.magic, packet[4] == 1 || packet[4] == 2 else {
            return nil
        }
        let nameLength = Int(packet[7])
        guard nameLength >= 1, nameLength <= Heartbeat.maximumNameLength, packet.count >= 28 + nameLength,
            let name = String(validating: packet[8..<(8 + nameLength)], as: UTF8.self),
            let state = NodeState(rawValue: packet[24 + nameLength])
        else { return nil }
        var reader = BigEndianReader(bytes: packet, offset: 26 + nameLength)
        self.version = packet[4]
        self.nodeName = name
        self.state = state
        self.priority = reader.readUInt16()
    }
}
