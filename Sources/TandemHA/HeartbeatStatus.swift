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

    /// One VIP group's election.
    public struct GroupStatus: Sendable, Hashable {
        public var name: String
        public var state: NodeState
        /// Why the group is in `state`.
        public var reason: String
        public var configuredPriority: Int
        public var effectivePriority: Int
        public var preempt: Bool
        public var preemptDelay: Duration
        /// Whether an administrative step-down (drill, failover) is in effect for this group.
        public var steppedDown: Bool
        public var holdRemaining: Duration?
        /// The peer's state in this group while it is alive.
        public var peerState: NodeState?
        public var peerPriority: UInt16?
        public var peerFlags: HeartbeatFlags
        /// Since when the peer has advertised `peerState` here.
        public var peerStateAge: Duration?
        /// The newest failure of this group's VIP calls, while they keep failing.
        public var vipProblem: String?
        public var vipFailures: UInt64
        /// This group's transitions, claims and releases.
        public var counters: NodeStateMachine<ContinuousClock>.Counters
    }

    /// One state change, stamped with the wall clock for people.
    public struct TransitionRecord: Sendable, Hashable {
        public var time: EventTimestamp
        /// The group that changed (nodes with `ha.groups` only).
        public var group: String?
        public var from: NodeState
        public var to: NodeState
        public var reason: String
    }

    public var nodeName: String
    /// The node's state in one word (``GroupElections/summaryState``); with one group, that group's.
    public var state: NodeState
    /// Why the node is in `state` (with several groups: each group's state).
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
    /// Every group's election, in configuration order (one, named `default`, without `ha.groups`).
    public var groups: [GroupStatus]
    /// Set while the peer declares other groups than this node.
    public var groupMismatch: String?
}
