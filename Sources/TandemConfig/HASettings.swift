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
    /// 1...254; the higher priority node wins the election. With `groups:`, the default of each group that
    /// sets none.
    public var priority: Int
    /// Whether a higher priority node takes the VIPs back from an active lower priority one. With `groups:`,
    /// the default of each group that sets none.
    public var preempt: Bool
    /// How long a node waits, healthy, before preempting. With `groups:`, the default of each group that sets
    /// none.
    public var preemptDelay: Duration
    /// Path of the privileged VIP helper's Unix socket.
    public var helperSocketPath: String
    /// Conditions that lower this node's priority or make it give up the VIPs.
    public var track: [Track]
    /// Every VIP of this node, whichever group it is in: `ha.vips` in the single-group form, and in the groups
    /// form the concatenation of the groups' VIPs in file order (the decoder keeps that invariant), so what
    /// needs every address (listeners, the helper's allow list, the drill) need not know about groups.
    public var vips: [VIPSettings]
    /// How the active node announces a VIP it claims (gratuitous ARP / unsolicited NA).
    public var announce: AnnounceSettings
    /// Optional file that records every heartbeat state change.
    public var logPath: String?
    /// The groups as written under `groups:`; nil in the single-group form.
    public var declaredGroups: [VIPGroupSettings]?

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
        logPath: String? = nil,
        declaredGroups: [VIPGroupSettings]? = nil
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
        self.declaredGroups = declaredGroups
    }

    /// Every election of this node: the declared groups, or one group named "default" built from
    /// vips/priority/preempt/preemptDelay, so the runtime handles both forms as a list of groups.
    public var groups: [VIPGroupSettings] {
        declaredGroups ?? [
            VIPGroupSettings(
                name: VIPGroupSettings.implicitName,
                vips: vips,
                priority: priority,
                preempt: preempt,
                preemptDelay: preemptDelay
            )
        ]
    }

    public static let defaultHelperSocketPath = "/run/tandem-vip-helper/vip.sock"
}
