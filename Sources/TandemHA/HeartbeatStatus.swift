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

    /// A peer heard only through packets that do not authenticate (or are refused as stale).
    public struct UntrustedStatus: Sendable, Hashable {
        public var name: String
        /// The sentence to show, e.g. "heartbeats from lb-b fail authentication: check key_file".
        public var problem: String
        public var lastHeardAge: Duration
    }

    /// One state change, stamped with the wall clock for people.
    public struct TransitionRecord: Sendable, Hashable {
        public var time: EventTimestamp
        public var from: NodeState
        public var to: NodeState
        public var reason: String
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
    /// Set while packets from a peer address arrive that cannot be trusted.
    public var untrustedPeer: UntrustedStatus?
    /// Median heartbeat round trip over the last 100 samples.
    public var rttMedian: Duration?
    /// 99th percentile heartbeat round trip over the last 100 samples.
    public var rttP99: Duration?
    /// The peer's wall clock minus ours (corrected by half the round trip); shown, never used to decide.
    public var clockSkew: Duration?
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
    /// The newest VIP failure while calls keep failing.
    public var vipProblem: String?
    /// The newest gap between the service's ticks longer than the dead window, and its cause.
    public var lastPause: String?
    /// This run's boot epoch.
    public var bootEpoch: UInt64
    /// Heartbeats sent.
    public var sent: UInt64
    /// The newest state changes (at most 20), oldest first.
    public var recentTransitions: [TransitionRecord]
}
