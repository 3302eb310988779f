extension NodeStateMachine {
    /// Something the machine must react to.
    public enum Event: Sendable {
        /// An authenticated, admitted heartbeat from the peer.
        case heartbeat(PeerHeartbeat)
        /// The timer; the service delivers one at least every `interval / 2`.
        case tick(C.Instant)
        /// A tracked dependency (e.g. `gateway:198.18.0.1`) changed; any failing track means FAULT.
        case track(String, ok: Bool)
        /// Whether at least one local backend is healthy; all down lowers the priority by the penalty.
        case backendsHealthy(Bool)
        /// An administrator's command.
        case command(Command)
    }

    /// An administrator's command.
    public enum Command: Sendable, Hashable {
        /// Lower the priority by `penalty` for `duration`; an ACTIVE node hands over at once when the healthy
        /// peer then outranks it.
        case stepDown(penalty: Int, duration: Duration)
        /// End a step-down early.
        case resume
        /// Tell the peer for `duration` that an operator hands the VIPs over to it (`tandem failover`): a hold it
        /// is under ends, so it can take them.
        case announceHandover(duration: Duration)
    }

    /// The content of one heartbeat as the machine needs it, stamped with its arrival on our clock.
    public struct PeerHeartbeat: Sendable, Hashable {
        public var name: String
        public var epoch: UInt64
        public var state: NodeState
        public var flags: HeartbeatFlags
        public var priority: UInt16
        public var arrival: C.Instant

        public init(
            name: String,
            epoch: UInt64,
            state: NodeState,
            flags: HeartbeatFlags = [],
            priority: UInt16,
            arrival: C.Instant
        ) {
            self.name = name
            self.epoch = epoch
            self.state = state
            self.flags = flags
            self.priority = priority
            self.arrival = arrival
        }
    }
}
