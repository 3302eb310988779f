extension NodeStateMachine {
    /// Something the machine must react to.
    public enum Event: Sendable {
        /// An authenticated, admitted heartbeat from the peer.
        case heartbeat(PeerHeartbeat)
        /// A packet from a peer address that did not authenticate (or was refused as stale) but shows a peer
        /// speaking: it may suppress or withdraw our claim, never cause one.
        case untrusted(UntrustedHeartbeat)
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
        /// A config reload changed the election's numbers: the peer hears the new priority at once, and the
        /// decision is taken again with them (a node that now outranks its ACTIVE peer preempts after the delay).
        /// Name, interval and dead window are fixed for the machine's life: the peer's timing depends on them.
        case reconfigure(priority: Int, preempt: Bool, preemptDelay: Duration, backendPenalty: Int)
    }

    /// The content of one heartbeat as the machine needs it, stamped with its arrival on our clock.
    public struct PeerHeartbeat: Sendable, Hashable {
        public var name: String
        public var epoch: UInt64
        public var state: NodeState
        public var flags: HeartbeatFlags
        public var priority: UInt16
        public var arrival: C.Instant
        /// Sent by the peer's VIP helper when its daemon's connection broke: the daemon is gone.
        public var isFarewell: Bool

        public init(
            name: String,
            epoch: UInt64,
            state: NodeState,
            flags: HeartbeatFlags = [],
            priority: UInt16,
            arrival: C.Instant,
            isFarewell: Bool = false
        ) {
            self.name = name
            self.epoch = epoch
            self.state = state
            self.flags = flags
            self.priority = priority
            self.arrival = arrival
            self.isFarewell = isFarewell
        }
    }

    /// What an untrusted packet claims (``ClaimedHeartbeat``), why it was refused, and when it arrived.
    public struct UntrustedHeartbeat: Sendable, Hashable {
        public var name: String
        public var state: NodeState
        public var priority: UInt16
        public var rejection: HeartbeatRejection
        /// The protocol version it speaks.
        public var version: UInt8
        public var arrival: C.Instant

        public init(
            name: String,
            state: NodeState,
            priority: UInt16,
            rejection: HeartbeatRejection,
            version: UInt8 = Heartbeat.version,
            arrival: C.Instant
        ) {
            self.name = name
            self.state = state
            self.priority = priority
            self.rejection = rejection
            self.version = version
            self.arrival = arrival
        }

        /// The sentence `tandem status` and the heartbeat log show while it is all we hear from the peer.
        public var problem: String {
            switch rejection {
            case .badMAC, .unknownKeyID:
                "heartbeats from \(name) fail authentication: check key_file"
            case .unknownVersion:
                "heartbeats from \(name) speak protocol version \(version), this node \(Heartbeat.version): "
                    + "upgrade both nodes"
            case .staleEpoch:
                "heartbeats from \(name) carry an older boot epoch than it sent before: check its state_directory"
            case .late:
                "heartbeats from \(name) arrive later than the freshness window allows"
            case .malformed, .ownName, .replay, .duplicate, .unexpectedFarewell:
                "heartbeats from \(name) are refused (\(rejection.rawValue))"
            }
        }
    }
}
