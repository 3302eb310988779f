/// Turns datagrams into trusted heartbeats: parse, verify the MAC, then refuse our own name, old or repeated
/// packets and packets whose timestamp is outside the clock window. Pure; every outcome is counted.
///
/// A rejected datagram has no other effect, so a forged or replayed packet can never move the VIPs.
public struct HeartbeatReceiver: Sendable {
    /// Our own node name: a packet carrying it is a loop or a reflection.
    public let ownName: String
    /// The keys that verify (replaceable on reload).
    public var keyring: HeartbeatKeyring
    /// How far a sender timestamp may be from our wall clock, either way.
    public let clockWindow: Duration
    /// Rejections so far, per reason (every reason present, starting at 0).
    public private(set) var rejections: [HeartbeatRejection: UInt64]
    /// Heartbeats accepted so far.
    public private(set) var accepted: UInt64 = 0

    private var replayWindow = ReplayWindow()

    public init(ownName: String, keyring: HeartbeatKeyring, clockWindow: Duration = .seconds(10)) {
        self.ownName = ownName
        self.keyring = keyring
        self.clockWindow = clockWindow
        self.rejections = Dictionary(uniqueKeysWithValues: HeartbeatRejection.allCases.map { ($0, 0) })
    }

    /// Authenticates and admits one datagram received when our wall clock read `now` (ns since 1970).
    public mutating func receive(
        _ packet: [UInt8],
        wallClockNanoseconds now: UInt64
    ) -> Result<
        Heartbeat, HeartbeatRejection
    > {
        do throws(HeartbeatRejection) {
            let heartbeat = try Heartbeat.authenticate(packet, keyring: keyring)
            try admit(heartbeat, now: now)
            accepted += 1
            return .success(heartbeat)
        } catch {
            rejections[error, default: 0] += 1
            return .failure(error)
        }
    }

    private mutating func admit(_ heartbeat: Heartbeat, now: UInt64) throws(HeartbeatRejection) {
        guard heartbeat.nodeName != ownName else { throw .ownName }
        let distance = heartbeat.timestamp > now ? heartbeat.timestamp - now : now - heartbeat.timestamp
        guard distance <= Self.nanoseconds(clockWindow) else { throw .clockSkew }
        try replayWindow.admit(node: heartbeat.nodeName, epoch: heartbeat.bootEpoch, sequence: heartbeat.sequence)
    }

    static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
    }
}
