/// The HA part of ``NodeStatusReport``: state and why, priorities, the peer, heartbeat RTT, the VIPs and who
/// holds them, and the heartbeat counters. Durations are milliseconds.
public struct HAStatusReport: Codable, Sendable, Equatable {
    /// What this node knows about its peer.
    public struct Peer: Codable, Sendable, Equatable {
        public var name: String
        /// `INITIAL`, `STANDBY`, `ACTIVE` or `FAULT`, as the peer last advertised.
        public var state: String
        /// The effective priority the peer advertises.
        public var priority: Int
        /// Milliseconds since its newest valid heartbeat.
        public var lastHeardMs: Double
        /// Whether it was heard within the dead window.
        public var alive: Bool
        /// Whether it reports every one of its backend servers down.
        public var backendsDown: Bool
        /// Whether it reports an administrative step-down in effect.
        public var steppedDown: Bool

        public init(
            name: String,
            state: String,
            priority: Int,
            lastHeardMs: Double,
            alive: Bool,
            backendsDown: Bool = false,
            steppedDown: Bool = false
        ) {
            self.name = name
            self.state = state
            self.priority = priority
            self.lastHeardMs = lastHeardMs
            self.alive = alive
            self.backendsDown = backendsDown
            self.steppedDown = steppedDown
        }
    }

    /// One configured VIP and who holds it as far as this node knows.
    public struct VIP: Codable, Sendable, Equatable {
        /// `ADDRESS/PREFIX`.
        public var address: String
        public var interface: String
        /// The node holding it: this node when ACTIVE in the VIP's group, the peer when it is alive and ACTIVE
        /// there, else nil.
        public var holder: String?
        /// The VIP group it belongs to (`default` without `ha.groups`).
        public var group: String?

        public init(address: String, interface: String, holder: String?, group: String? = nil) {
            self.address = address
            self.interface = interface
            self.holder = holder
            self.group = group
        }
    }

    /// One VIP group's election (``HeartbeatStatus/GroupStatus``).
    public struct Group: Codable, Sendable, Equatable {
        public var name: String
        /// `INITIAL`, `STANDBY`, `ACTIVE` or `FAULT`.
        public var state: String
        public var reason: String
        public var configuredPriority: Int
        public var effectivePriority: Int
        public var preempt: Bool
        public var preemptDelayMs: Double
        public var steppedDown: Bool
        public var holdRemainingMs: Int?
        /// The peer's state in this group while it is alive.
        public var peerState: String?
        public var peerPriority: Int?
        public var peerBackendsDown: Bool
        public var peerSteppedDown: Bool
        /// Milliseconds since the peer started advertising `peerState`.
        public var peerStateAgeMs: Double?
        /// The group's VIPs, `ADDRESS/PREFIX`.
        public var vips: [String]
        /// The newest failure of the group's VIP calls while they keep failing.
        public var vipProblem: String?
        public var transitions: UInt64

        public init(
            name: String,
            state: String,
            reason: String,
            configuredPriority: Int,
            effectivePriority: Int,
            preempt: Bool = true,
            preemptDelayMs: Double = 0,
            steppedDown: Bool = false,
            holdRemainingMs: Int? = nil,
            peerState: String? = nil,
            peerPriority: Int? = nil,
            peerBackendsDown: Bool = false,
            peerSteppedDown: Bool = false,
            peerStateAgeMs: Double? = nil,
            vips: [String] = [],
            vipProblem: String? = nil,
            transitions: UInt64 = 0
        ) {
            self.name = name
            self.state = state
            self.reason = reason
            self.configuredPriority = configuredPriority
            self.effectivePriority = effectivePriority
            self.preempt = preempt
            self.preemptDelayMs = preemptDelayMs
            self.steppedDown = steppedDown
            self.holdRemainingMs = holdRemainingMs
            self.peerState = peerState
            self.peerPriority = peerPriority
            self.peerBackendsDown = peerBackendsDown
            self.peerSteppedDown = peerSteppedDown
            self.peerStateAgeMs = peerStateAgeMs
            self.vips = vips
            self.vipProblem = vipProblem
            self.transitions = transitions
        }
    }

    /// `INITIAL`, `STANDBY`, `ACTIVE` or `FAULT`: the node's state in one word (with several groups: FAULT when
    /// all are, else ACTIVE when any is, else STANDBY when any is).
    public var state: String
    /// Why the node is in `state`.
    public var reason: String
    public var configuredPriority: Int
    public var effectivePriority: Int
    /// Whether an administrative step-down (drill, failover) is in effect.
    public var steppedDown: Bool
    /// What the step-down (the hold of a drill or failover) has left, in milliseconds.
    public var holdRemainingMs: Int?
    public var peer: Peer?
    /// Median heartbeat round trip over the last 100 samples.
    public var rttMedianMs: Double?
    /// 99th percentile heartbeat round trip over the last 100 samples.
    public var rttP99Ms: Double?
    public var vips: [VIP]
    /// Heartbeats accepted.
    public var accepted: UInt64
    /// Datagrams rejected, per reason (`badMAC`, `replay`, ...); every reason is present, zeros included.
    public var rejected: [String: UInt64]
    /// Failing tracks, e.g. `gateway:198.18.0.1`.
    public var failingTracks: [String]
    /// State transitions since start.
    public var transitions: UInt64
    /// VIP helper calls that failed.
    public var vipFailures: UInt64
    /// Set while only untrusted packets arrive from a peer address, e.g. "heartbeats from lb-b fail
    /// authentication: check key_file".
    public var warning: String?
    /// The peer's wall clock minus ours (shown only: no decision uses wall clocks).
    public var clockSkewMs: Double?
    /// The newest VIP failure while calls keep failing.
    public var vipProblem: String?
    /// The newest pause of the heartbeat service longer than the dead window, and its cause.
    public var lastPause: String?
    /// This run's boot epoch (kept in the state file).
    public var bootEpoch: UInt64?
    /// Every VIP group's election, in configuration order; one group named `default` without `ha.groups`.
    public var groups: [Group]?
    /// Whether the config declares `ha.groups` (the status then shows each group).
    public var declaresGroups: Bool?

    public init(
        state: String,
        reason: String,
        configuredPriority: Int,
        effectivePriority: Int,
        steppedDown: Bool = false,
        holdRemainingMs: Int? = nil,
        peer: Peer?,
        rttMedianMs: Double?,
        rttP99Ms: Double?,
        vips: [VIP],
        accepted: UInt64,
        rejected: [String: UInt64],
        failingTracks: [String],
        transitions: UInt64,
        vipFailures: UInt64
    ) {
        self.state = state
        self.reason = reason
        self.configuredPriority = configuredPriority
        self.effectivePriority = effectivePriority
        self.steppedDown = steppedDown
        self.holdRemainingMs = holdRemainingMs
        self.peer = peer
        self.rttMedianMs = rttMedianMs
        self.rttP99Ms = rttP99Ms
        self.vips = vips
        self.accepted = accepted
        self.rejected = rejected
        self.failingTracks = failingTracks
        self.transitions = transitions
        self.vipFailures = vipFailures
    }

    /// The group named `name`.
    public func group(_ name: String) -> Group? {
        groups?.first { $0.name == name }
    }

    /// Total rejected datagrams.
    public var rejectedTotal: UInt64 {
        rejected.values.reduce(0, +)
    }
}
