/// One heartbeat datagram of the HA pair: who sends it, in which role, with which priority, and when.
///
/// Wire format (version 2). All integers are big-endian; `N` is the node name length.
///
/// | Offset      | Size | Field                                                                     |
/// |-------------|------|---------------------------------------------------------------------------|
/// | 0           | 4    | magic `"TDHA"` = `54 44 48 41`                                            |
/// | 4           | 1    | protocol version, `02`                                                    |
/// | 5           | 1    | type: `01` heartbeat, `02` farewell (other values are rejected as malformed) |
/// | 6           | 1    | key id, 1...255: which key of the keyring made the MAC                    |
/// | 7           | 1    | `N`, the node name length, 1...63                                         |
/// | 8           | N    | node name, UTF-8                                                          |
/// | 8+N         | 8    | boot epoch: +1 at every start, kept in the node's state file               |
/// | 16+N        | 8    | sequence number, starts at 1 per boot epoch, +1 per packet                |
/// | 24+N        | 1    | state: 0 initial, 1 standby, 2 active, 3 fault (``NodeState``)            |
/// | 25+N        | 1    | flags (``HeartbeatFlags``): bit 0 backends down, 1 stepped down, 2 handing over |
/// | 26+N        | 2    | effective priority (0 while in fault)                                     |
/// | 28+N        | 8    | sender monotonic clock (CLOCK_BOOTTIME), nanoseconds: freshness and echo   |
/// | 36+N        | 8    | sender wall clock, nanoseconds since 1970: shown as skew, never decides    |
/// | 44+N        | 8    | echo: the last peer monotonic value received plus how long it was held (0: none) |
/// | 52+N        | 32   | HMAC-SHA256 over bytes 0 ..< 52+N                                         |
///
/// A packet is exactly `84 + N` bytes; anything shorter, longer or with out-of-range fields is malformed.
/// Bytes 0 ..< 28+N have the same layout in versions 1 and 2, so a node can read what an older or
/// mis-keyed peer *claims* (``ClaimedHeartbeat``) without trusting it.
///
/// Nothing in a packet is compared with the receiver's wall clock: freshness is judged on the receiver's
/// monotonic clock against the sender's (``FreshnessCheck``), and the echo lets the sender measure the round
/// trip on its own clock as `now − echo`.
///
/// A farewell (type 2) is the packet a node's VIP helper sends for it when the daemon's connection breaks (a
/// crash): state FAULT, priority 0, sequence 0, signed in advance by the daemon. It is accepted once per boot
/// epoch, and only for the epoch the receiver currently knows.
public struct Heartbeat: Sendable, Hashable {
    /// The packet types of version 2.
    public enum Kind: UInt8, Sendable, Hashable {
        /// The periodic heartbeat.
        case heartbeat = 1
        /// The crash farewell the helper sends on the daemon's behalf.
        case farewell = 2
    }

    /// The four magic bytes that open every packet.
    public static let magic: [UInt8] = [0x54, 0x44, 0x48, 0x41]
    /// The protocol version this build writes and accepts.
    public static let version: UInt8 = 2
    /// The longest node name the format carries, in UTF-8 bytes.
    public static let maximumNameLength = 63
    /// Bytes of the HMAC-SHA256 trailer.
    public static let macLength = 32
    /// Bytes of a packet without its name: the 8-byte header, 44 bytes of fields and the 32-byte MAC.
    public static let fixedLength = 84

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
    /// The sender's role.
    public var state: NodeState
    /// Why the sender's priority may be low (undefined bits are dropped on receipt).
    public var flags: HeartbeatFlags
    /// The sender's effective priority (configured priority minus penalties; 0 in fault).
    public var priority: UInt16
    /// Sender monotonic clock (CLOCK_BOOTTIME), nanoseconds.
    public var monotonic: UInt64
    /// Sender wall clock, nanoseconds since 1970 (only for showing the skew).
    public var wallClock: UInt64
    /// The last peer monotonic value the sender received plus how long it held it; 0 when it has none yet.
    public var echo: UInt64

    public init(
        kind: Kind = .heartbeat,
        keyID: UInt8,
        nodeName: String,
        bootEpoch: UInt64,
        sequence: UInt64,
        state: NodeState,
        flags: HeartbeatFlags = [],
        priority: UInt16,
        monotonic: UInt64,
        wallClock: UInt64,
        echo: UInt64
    ) {
        self.kind = kind
        self.keyID = keyID
        self.nodeName = nodeName
        self.bootEpoch = bootEpoch
        self.sequence = sequence
        self.state = state
        self.flags = flags
        self.priority = priority
        self.monotonic = monotonic
        self.wallClock = wallClock
        self.echo = echo
    }

    /// Whether `name` can be carried in a heartbeat (1...63 UTF-8 bytes).
    public static func isValidNodeName(_ name: String) -> Bool {
        let count = name.utf8.count
        return count >= 1 && count <= maximumNameLength
    }

    /// The bytes covered by the MAC (everything but the trailer).
    ///
    /// - Precondition: `nodeName` is valid (see ``isValidNodeName(_:)``); the service checks it at start.
    func encodedBody() -> [UInt8] {
        precondition(Self.isValidNodeName(nodeName), "node name must be 1...63 UTF-8 bytes")
        let name = Array(nodeName.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.fixedLength + name.count)
        bytes += Self.magic
        bytes.append(Self.version)
        bytes.append(kind.rawValue)
        bytes.append(keyID)
        bytes.append(UInt8(name.count))
        bytes += name
        bytes.appendBigEndian(bootEpoch)
        bytes.appendBigEndian(sequence)
        bytes.append(state.rawValue)
        bytes.append(flags.intersection(.known).rawValue)
        bytes.appendBigEndian(priority)
        bytes.appendBigEndian(monotonic)
        bytes.appendBigEndian(wallClock)
        bytes.appendBigEndian(echo)
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
            packet.count == Self.fixedLength + nameLength
        else { throw .malformed }
        guard let name = String(validating: packet[8..<(8 + nameLength)], as: UTF8.self) else { throw .malformed }
        var reader = BigEndianReader(bytes: packet, offset: 8 + nameLength)
        let bootEpoch = reader.readUInt64()
        let sequence = reader.readUInt64()
        guard let state = NodeState(rawValue: reader.readUInt8()) else { throw .malformed }
        let flags = HeartbeatFlags(rawValue: reader.readUInt8()).intersection(.known)
        let priority = reader.readUInt16()
        let monotonic = reader.readUInt64()
        let wallClock = reader.readUInt64()
        let echo = reader.readUInt64()
        let heartbeat = Heartbeat(
            kind: kind,
            keyID: keyID,
            nodeName: name,
            bootEpoch: bootEpoch,
            sequence: sequence,
            state: state,
            flags: flags,
            priority: priority,
            monotonic: monotonic,
            wallClock: wallClock,
            echo: echo
        )
        return (heartbeat, reader.offset)
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
