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
        /// The node holding it: this node when ACTIVE, the peer when it is alive and ACTIVE, else nil.
        public var holder: String?

        public init(address: String, interface: String, holder: String?) {
            self.address = address
            self.interface = interface
            self.holder = holder
        }
    }

    /// `INITIAL`, `STANDBY`, `ACTIVE` or `FAULT`.
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

    /// Total rejected datagrams.
    public var rejectedTotal: UInt64 {
        rejected.values.reduce(0, +)
    }
}
