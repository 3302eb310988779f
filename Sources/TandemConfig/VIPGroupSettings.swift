/// One election of the pair: a set of VIPs that move together, with its own priority and preemption.
///
/// Groups let both nodes be ACTIVE at once (active-active): each node wins the groups it has the higher
/// priority for, and takes the peer's groups when the peer fails. A node with a single group is the
/// active-passive pair of the single-group form (`ha.vips`).
public struct VIPGroupSettings: Sendable, Equatable {
    /// 1-63 characters of `[A-Za-z0-9._-]`, unique within the file: the group's name in heartbeats, logs and
    /// status, and what a reload matches groups by.
    public var name: String
    /// The addresses this group's winner holds; not empty, and no address is in two groups.
    public var vips: [VIPSettings]
    /// 1...254; the node with the higher effective priority holds this group.
    public var priority: Int
    /// Whether the higher-priority node takes this group back from an ACTIVE lower-priority one.
    public var preempt: Bool
    /// How long the higher-priority node waits, healthy, before it takes this group back.
    public var preemptDelay: Duration

    public init(name: String, vips: [VIPSettings], priority: Int, preempt: Bool, preemptDelay: Duration) {
        self.name = name
        self.vips = vips
        self.priority = priority
        self.preempt = preempt
        self.preemptDelay = preemptDelay
    }

    /// The name of the one group of the single-group form (`ha.vips` without `groups:`).
    public static let implicitName = "default"
    /// The most groups a pair may have (they all travel in one heartbeat).
    public static let maximumCount = 16
}
