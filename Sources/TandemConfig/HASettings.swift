/// The `ha:` section: the heartbeat link to the peer, the election, what is tracked and which VIPs move.
/// Absent from the config for a single proxy node.
public struct HASettings: Sendable, Equatable {
    /// Local UDP address heartbeats are sent from and received on.
    public var listen: SocketAddressSpec
    /// One or more addresses of the peer (several paths make a split brain less likely).
    public var peers: [SocketAddressSpec]
    /// File holding the shared secret that authenticates heartbeats (HMAC-SHA256).
    public var keyFile: String
    /// Time between heartbeats; at least 10 ms.
    public var interval: Duration
    /// Missed intervals before the peer is declared dead, 2...100.
    public var deadAfter: Int
    /// 1...254; the higher priority node wins the election.
    public var priority: Int
    /// Whether a higher priority node takes the VIPs back from an active lower priority one.
    public var preempt: Bool
    /// How long a node waits, healthy, before preempting.
    public var preemptDelay: Duration
    /// Path of the privileged VIP helper's Unix socket.
    public var helperSocketPath: String
    /// Conditions that lower this node's priority or make it give up the VIPs.
    public var track: [Track]
    /// The virtual addresses the active node holds.
    public var vips: [VIPSettings]
    /// How the active node announces a VIP it claims (gratuitous ARP / unsolicited NA).
    public var announce: AnnounceSettings
    /// Optional file that records every heartbeat state change.
    public var logPath: String?

    public init(
        listen: SocketAddressSpec,
        peers: [SocketAddressSpec],
        keyFile: String,
        interval: Duration = .milliseconds(100),
        deadAfter: Int = 3,
        priority: Int = 100,
        preempt: Bool = true,
        preemptDelay: Duration = .seconds(5),
        helperSocketPath: String = HASettings.defaultHelperSocketPath,
        track: [Track] = [],
        vips: [VIPSettings],
        announce: AnnounceSettings = AnnounceSettings(),
        logPath: String? = nil
    ) {
        self.listen = listen
        self.peers = peers
        self.keyFile = keyFile
        self.interval = interval
        self.deadAfter = deadAfter
        self.priority = priority
        self.preempt = preempt
        self.preemptDelay = preemptDelay
        self.helperSocketPath = helperSocketPath
        self.track = track
        self.vips = vips
        self.announce = announce
        self.logPath = logPath
    }

    public static let defaultHelperSocketPath = "/run/tandem-vip-helper/vip.sock"
}
