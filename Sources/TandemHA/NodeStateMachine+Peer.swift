extension NodeStateMachine {
    /// What the machine knows about the peer, from its heartbeats.
    public struct Peer: Sendable, Hashable {
        public var name: String
        public var epoch: UInt64
        public var state: NodeState
        /// Its advertised effective priority.
        public var priority: UInt16
        /// Its advertised conditions (backends down, stepped down).
        public var flags: HeartbeatFlags
        /// Arrival of its newest heartbeat.
        public var lastHeard: C.Instant
        /// Since when it has advertised `state` (continuously, same epoch).
        public var stateSince: C.Instant
        /// The state it advertised before `state` (nil after a restart or a silence that made it dead).
        public var previousState: NodeState?
        /// Since when it has been continuously present in STANDBY: the clock of `preempt_delay`.
        public var standbySince: C.Instant?
        /// Its newest word was a farewell from its helper: its daemon is gone.
        public var farewell: Bool = false
    }

    /// A peer we hear but cannot trust (see ``Event/untrusted(_:)``).
    public struct UntrustedPeer: Sendable, Hashable {
        public var claim: UntrustedHeartbeat
        /// Arrival of its newest packet.
        public var lastHeard: C.Instant
    }

    /// Counters for `tandem status`.
    public struct Counters: Sendable, Hashable {
        public var transitions: UInt64 = 0
        public var claims: UInt64 = 0
        public var releases: UInt64 = 0
        public var heartbeats: UInt64 = 0
        /// Heartbeats from a third node name while the known peer is alive (ignored).
        public var ignoredThirdNode: UInt64 = 0
        /// Gaps longer than the dead window between our own events (the process was frozen).
        public var freezes: UInt64 = 0
    }
}
