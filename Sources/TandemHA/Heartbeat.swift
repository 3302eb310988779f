/// One heartbeat datagram of the HA pair: who sends it, which run of it, its clocks, and its state in every
/// VIP group (each group is an election of its own; see ``GroupElections``).
///
/// Wire format (version 3). All integers are big-endian; `N` is the node name length, `G` the group count.
///
/// | Offset      | Size | Field                                                                     |
/// |-------------|------|---------------------------------------------------------------------------|
/// | 0           | 4    | magic `"TDHA"` = `54 44 48 41`                                            |
/// | 4           | 1    | protocol version, `03`                                                    |
/// | 5           | 1    | type: `01` heartbeat, `02` farewell (other values are rejected as malformed) |
/// | 6           | 1    | key id, 1...255: which key of the keyring made the MAC                    |
/// | 7           | 1    | `N`, the node name length, 1...63                                         |
/// | 8           | N    | node name, UTF-8                                                          |
/// | 8+N         | 8    | boot epoch: +1 at every start, kept in the node's state file               |
/// | 16+N        | 8    | sequence number, starts at 1 per boot epoch, +1 per packet                |
/// | 24+N        | 8    | sender monotonic clock (CLOCK_BOOTTIME), nanoseconds: freshness and echo   |
/// | 32+N        | 8    | sender wall clock, nanoseconds since 1970: shown as skew, never decides    |
/// | 40+N        | 8    | echo: the last peer monotonic value received plus how long it was held (0: none) |
/// | 48+N        | 1    | `G`: 1...16 in a heartbeat, 0 in a farewell                               |
/// | 49+N        | …    | `G` group entries, each: name length `L` (1 byte, 1...63), `L` bytes of name (UTF-8), state (1: 0 initial, 1 standby, 2 active, 3 fault), flags (1: ``HeartbeatFlags``, bit 0 backends down, 1 stepped down, 2 handing over), effective priority (2; 0 in fault) |
/// | end − 32    | 32   | HMAC-SHA256 over every byte before it                                     |
///
/// A packet is exactly `81 + N + Σ(5 + L)` bytes with distinct group names; anything else is malformed. The
/// single-group form of the config travels as one group named `default`.
///
/// Version 3 added the groups (active-active); versions 1 and 2 carried one state, flags and priority at
/// 24+N. A node refuses other versions (``HeartbeatRejection/unknownVersion``) but reads what an older or
/// mis-keyed peer *claims* (``ClaimedHeartbeat``) without trusting it.
///
/// Nothing in a packet is compared with the receiver's wall clock: freshness is judged on the receiver's
/// monotonic clock against the sender's (``FreshnessCheck``), and the echo lets the sender measure the round
/// trip on its own clock as `now − echo`.
///
/// A farewell (type 2) is the packet a node's VIP helper sends for it when the daemon's connection breaks (a
/// crash): no group entries, which means FAULT with priority 0 in every group, sequence 0, signed in advance
/// by the daemon. It is accepted once per boot epoch, and only for the epoch the receiver currently knows.
public struct Heartbeat: Sendable, Hashable {
    /// The packet types.
    public enum Kind: UInt8, Sendable, Hashable {
        /// The periodic heartbeat.
        case heartbeat = 1
        /// The crash farewell the helper sends on the daemon's behalf.
        case farewell = 2
    }

    /// The sender's word on one VIP group.
    public struct Group: Sendable, Hashable {
        /// The group's name (1...63 UTF-8 bytes), as both nodes' configs name it.
        public var name: String
        /// The sender's role in this group.
        public var state: NodeState
        /// Why the sender's priority may be low (undefined bits are dropped on receipt).
        public var flags: HeartbeatFlags
        /// The sender's effective priority in this group (0 in fault).
        public var priority: UInt16

        public init(name: String, state: NodeState, flags: HeartbeatFlags = [], priority: UInt16) {
            self.name = name
            self.state = state
            self.flags = flags
            self.priority = priority
        }
    }

    /// The four magic bytes that open every packet.
    public static let magic: [UInt8] = [0x54, 0x44, 0x48, 0x41]
    /// The protocol version this build writes and accepts.
    public static let version: UInt8 = 3
    /// The longest node or group name the format carries, in UTF-8 bytes.
    public static let maximumNameLength = 63
    /// The most groups one packet carries.
    public static let maximumGroups = 16
    /// Bytes of the HMAC-SHA256 trailer.
    public static let macLength = 32
    /// Bytes of a packet without its name and groups: the 8-byte header, 41 bytes of fields, the 32-byte MAC.
    public static let fixedLength = 81
    /// Bytes of a group entry besides its name.
    public static let groupEntryLength = 5

    /// Heartbeat or farewell.
    public var kind: Kind = .heartbeat
    /// Key id of the key that signs (or signed) this packet.
    public var keyID: UInt8
    /// The sender's node name (1...63 UTF-8 bytes).
    public var nodeName: String
    /// Identifies one run of the sender's process; a larger epoch means a restart.
    public var bootEpoch: UInt64
    /// Strictly increasing within one boot epoch (0 in a farewell).
    public var sequence: UInt64
    /// Sender monotonic clock (CLOCK_BOOTTIME), nanoseconds.
    public var monotonic: UInt64
    /// Sender wall clock, nanoseconds since 1970 (only for showing the skew).
    public var wallClock: UInt64
    /// The last peer monotonic value the sender received plus how long it held it; 0 when it has none yet.
    public var echo: UInt64
    /// The sender's state in each group (none in a farewell).
    public var groups: [Group]

    public init(
        kind: Kind = .heartbeat,
        keyID: UInt8,
        nodeName: String,
        bootEpoch: UInt64,
        sequence: UInt64,
        monotonic: UInt64,
        wallClock: UInt64,
        echo: UInt64,
        groups: [Group]
    ) {
        self.kind = kind
        self.keyID = keyID
        self.nodeName = nodeName
        self.bootEpoch = bootEpoch
        self.sequence = sequence
        self.monotonic = monotonic
        self.wallClock = wallClock
        self.echo = echo
        self.groups = groups
    }

    /// Whether `name` can be carried as a node or group name (1...63 UTF-8 bytes).
    public static func isValidNodeName(_ name: String) -> Bool {
        let count = name.utf8.count
        return count >= 1 && count <= maximumNameLength
    }

    /// The sender's word on the group `name`; for a farewell, FAULT with priority 0 in every group.
    public func group(named name: String) -> Group? {
        if kind == .farewell { return Group(name: name, state: .fault, priority: 0) }
        return groups.first { $0.name == name }
    }

    /// The bytes covered by the MAC (everything but the trailer).
    ///
    /// - Precondition: valid node and group names, at most ``maximumGroups`` groups, none in a farewell and at
    ///   least one in a heartbeat (the service checks the names at start).
    func encodedBody() -> [UInt8] {
        precondition(Self.isValidNodeName(nodeName), "node name must be 1...63 UTF-8 bytes")
        precondition(groups.allSatisfy { Self.isValidNodeName($0.name) }, "group names must be 1...63 UTF-8 bytes")
        precondition(kind == .farewell ? groups.isEmpty : (1...Self.maximumGroups).contains(groups.count))
        let name = Array(nodeName.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.fixedLength + name.count + groups.count * 16)
        bytes += Self.magic
        bytes.append(Self.version)
        bytes.append(kind.rawValue)
        bytes.append(keyID)
        bytes.append(UInt8(name.count))
        bytes += name
        bytes.appendBigEndian(bootEpoch)
        bytes.appendBigEndian(sequence)
        bytes.appendBigEndian(monotonic)
        bytes.appendBigEndian(wallClock)
        bytes.appendBigEndian(echo)
        bytes.append(UInt8(groups.count))
        for group in groups {
            let groupName = Array(group.name.utf8)
            bytes.append(UInt8(groupName.count))
            bytes += groupName
            bytes.append(group.state.rawValue)
            bytes.append(group.flags.intersection(.known).rawValue)
            bytes.appendBigEndian(group.priority)
        }
        return bytes
    }

    /// Parses the structure of `packet` (MAC trailer included but not verified).
    ///
    /// Total: every input either parses or yields a ``HeartbeatRejection``; nothing traps.
    static func parse(_ packet: [UInt8]) throws(HeartbeatRejection) -> (heartbeat: Heartbeat, bodyLength: Int) {
        guard packet.count >= 8, Array(packet[0..<4]) == Self.magic else { throw .malformed }
        guard packet[4] == Self.version else { throw .unknownVersion }
        guard let kind = Kind(rawValue: packet[5]) else { throw .malformed }
        let keyID = packet[6]
        let nameLength = Int(packet[7])
        guard keyID != 0, nameLength >= 1, nameLength <= Self.maximumNameLength,
            packet.count >= Self.fixedLength + nameLength
        else { throw .malformed }
        guard let name = String(validating: packet[8..<(8 + nameLength)], as: UTF8.self) else { throw .malformed }
        var reader = BigEndianReader(bytes: packet, offset: 8 + nameLength)
        let bootEpoch = reader.readUInt64()
        let sequence = reader.readUInt64()
        let monotonic = reader.readUInt64()
        let wallClock = reader.readUInt64()
        let echo = reader.readUInt64()
        let groups = try Self.parseGroups(&reader, kind: kind, end: packet.count - Self.macLength)
        let heartbeat = Heartbeat(
            kind: kind,
            keyID: keyID,
            nodeName: name,
            bootEpoch: bootEpoch,
            sequence: sequence,
            monotonic: monotonic,
            wallClock: wallClock,
            echo: echo,
            groups: groups
        )
        return (heartbeat, reader.offset)
    }

    /// Reads the group count and entries up to `end` (where the MAC starts), which they must fill exactly.
    static func parseGroups(
        _ reader: inout BigEndianReader,
        kind: Kind,
        end: Int
    ) throws(HeartbeatRejection) -> [Group] {
        guard reader.offset < end else { throw .malformed }
        let count = Int(reader.readUInt8())
        guard kind == .farewell ? count == 0 : (1...maximumGroups).contains(count) else { throw .malformed }
        var groups: [Group] = []
        for _ in 0..<count {
            guard reader.offset < end else { throw .malformed }
            let length = Int(reader.readUInt8())
            guard length >= 1, length <= maximumNameLength, reader.offset + length + 4 <= end,
                let name = String(validating: reader.bytes[reader.offset..<(reader.offset + length)], as: UTF8.self),
                !groups.contains(where: { $0.name == name })
            else { throw .malformed }
            reader.offset += length
            guard let state = NodeState(rawValue: reader.readUInt8()) else { throw .malformed }
            let flags = HeartbeatFlags(rawValue: reader.readUInt8()).intersection(.known)
            groups.append(Group(name: name, state: state, flags: flags, priority: reader.readUInt16()))
        }
        guard reader.offset == end else { throw .malformed }
        return groups
    }
}

extension [UInt8] {
    fileprivate mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        var bigEndian = value.bigEndian
        Swift.withUnsafeBytes(of: &bigEndian) { self.append(contentsOf: $0) }
    }
}

/// Reads big-endian integers from a buffer whose length the caller has already checked.
struct BigEndianReader {
    let bytes: [UInt8]
    var offset: Int

    mutating func readUInt8() -> UInt8 {
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readUInt16() -> UInt16 {
        UInt16(truncatingIfNeeded: read(byteCount: 2))
    }

    mutating func readUInt64() -> UInt64 {
        read(byteCount: 8)
    }

    private mutating func read(byteCount: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in offset..<(offset + byteCount) {
            value = value << 8 | UInt64(bytes[index])
        }
        offset += byteCount
        return value
    }
}
