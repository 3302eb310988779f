/// Turns datagrams into trusted heartbeats: parse, verify the MAC, then refuse our own name, old or repeated
/// packets and late ones (judged on monotonic clocks, never on the wall clock). Pure; every outcome is counted.
///
/// A rejected datagram is never taken for the peer's word: at most, a rejection that shows an untrusted peer
/// (``HeartbeatRejection/showsUntrustedPeer``) lets the node suppress its own claim.
public struct HeartbeatReceiver: Sendable {
    /// Our own node name: a packet carrying it is a loop or a reflection.
    public let ownName: String
    /// The keys that verify (replaceable on reload).
    public var keyring: HeartbeatKeyring
    /// Rejections so far, per reason (every reason present, starting at 0).
    public private(set) var rejections: [HeartbeatRejection: UInt64]
    /// Heartbeats accepted so far.
    public private(set) var accepted: UInt64 = 0

    private var replayWindow = ReplayWindow()
    private var freshness: FreshnessCheck

    /// - Parameters:
    ///   - freshnessWindow: how much later than the fastest packet a heartbeat may arrive.
    ///   - knownEpochs: the newest boot epoch of each peer accepted before a restart (from the state file), so
    ///     packets from before it stay refused.
    public init(
        ownName: String,
        keyring: HeartbeatKeyring,
        freshnessWindow: Duration = .seconds(1),
        knownEpochs: [String: UInt64] = [:]
    ) {
        self.ownName = ownName
        self.keyring = keyring
        self.rejections = Dictionary(uniqueKeysWithValues: HeartbeatRejection.allCases.map { ($0, 0) })
        let window = Self.nanoseconds(freshnessWindow)
        self.freshness = FreshnessCheck(window: window, rebaselineAfter: max(window * 5, 5_000_000_000))
        for (node, epoch) in knownEpochs { replayWindow.seed(node: node, epoch: epoch) }
    }

    /// Authenticates and admits one datagram that arrived when our monotonic clock (CLOCK_BOOTTIME) read
    /// `arrival` nanoseconds.
    public mutating func receive(_ packet: [UInt8], arrival: UInt64) -> Result<Heartbeat, HeartbeatRejection> {
        do throws(HeartbeatRejection) {
            let heartbeat = try Heartbeat.authenticate(packet, keyring: keyring)
            try admit(heartbeat, arrival: arrival)
            accepted += 1
            return .success(heartbeat)
        } catch {
            rejections[error, default: 0] += 1
            return .failure(error)
        }
    }

    /// The newest boot epoch accepted from `node`.
    public func newestEpoch(of node: String) -> UInt64? {
        replayWindow.newestEpoch(of: node)
    }

    private mutating func admit(_ heartbeat: Heartbeat, arrival: UInt64) throws(HeartbeatRejection) {
        guard heartbeat.nodeName != ownName else { throw .ownName }
        switch heartbeat.kind {
        case .farewell:
            try replayWindow.admitFarewell(node: heartbeat.nodeName, epoch: heartbeat.bootEpoch)
        case .heartbeat:
            try replayWindow.check(node: heartbeat.nodeName, epoch: heartbeat.bootEpoch, sequence: heartbeat.sequence)
            let fresh = freshness.admit(
                node: heartbeat.nodeName,
                epoch: heartbeat.bootEpoch,
                sent: heartbeat.monotonic,
                arrival: arrival
            )
            guard fresh else { throw .late }
            replayWindow.record(node: heartbeat.nodeName, epoch: heartbeat.bootEpoch, sequence: heartbeat.sequence)
        }
    }

    static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
    }
}
