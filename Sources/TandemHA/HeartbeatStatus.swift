/// A snapshot of the HA service for `tandem status`.
public struct HeartbeatStatus: Sendable, Hashable {
    /// What this node knows about its peer.
    public struct PeerStatus: Sendable, Hashable {
        public var name: String
        public var state: NodeState
        public var priority: UInt16
        /// Conditions it advertises (backends down, stepped down).
        public var flags: HeartbeatFlags
        /// Time since its newest valid heartbeat.
        public var lastHeardAge: Duration
        /// Time since it started advertising `state`.
        public var stateAge: Duration
        /// Whether it is within the dead window.
        public var alive: Bool
    }

    public var nodeName: String
    public var state: NodeState
    /// Why the node is in `state`.
    public var reason: String
    public var configuredPriority: Int
    public var effectivePriority: Int
    /// Whether an administrative step-down (drill, failover) is in effect.
    public var steppedDown: Bool
    /// How long the step-down has left, when one is in effect.
    public var holdRemaining: Duration?
    public var peer: PeerStatus?
    /// Median heartbeat round trip over the last 100 samples.
    public var rttMedian: Duration?
    /// 99th percentile heartbeat round trip over the last 100 samples.
    public var rttP99: Duration?
    /// Datagrams accepted.
    public var accepted: UInt64
    /// Datagrams rejected, per reason.
    public var rejections: [HeartbeatRejection: UInt64]
    /// Failing tracks.
    public var failingTracks: [String]
    /// State-machine counters (transitions, claims, releases, freezes...).
    public var counters: NodeStateMachine<ContinuousClock>.Counters
    /// VIP controller calls that threw.
    public var vipFailures: UInt64
}
