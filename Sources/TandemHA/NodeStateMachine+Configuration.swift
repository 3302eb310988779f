extension NodeStateMachine {
    /// What the machine needs from the `ha:` section; the daemon maps its config onto this (TandemHA does not
    /// depend on TandemConfig).
    public struct Configuration: Sendable, Hashable {
        /// This node's name (1...63 UTF-8 bytes), also the tie-breaker: the lexicographically lower name wins.
        public var nodeName: String
        /// Configured priority; higher wins.
        public var priority: Int
        /// Heartbeat interval.
        public var interval: Duration
        /// Intervals without a valid heartbeat after which the peer is dead; also the listen period at start.
        public var deadAfter: Int
        /// Whether the active node yields to a peer that outranks it and has been stably present.
        public var preempt: Bool
        /// How long the outranking peer must have been stably present (STANDBY) before the active yields.
        public var preemptDelay: Duration
        /// How much the priority drops while every local backend is down.
        public var backendPenalty: Int

        public init(
            nodeName: String,
            priority: Int,
            interval: Duration,
            deadAfter: Int,
            preempt: Bool,
            preemptDelay: Duration,
            backendPenalty: Int
        ) {
            self.nodeName = nodeName
            self.priority = priority
            self.interval = interval
            self.deadAfter = deadAfter
            self.preempt = preempt
            self.preemptDelay = preemptDelay
            self.backendPenalty = backendPenalty
        }

        /// `interval × deadAfter`: silence that makes the peer dead, and the listen period.
        public var deadWindow: Duration { interval * deadAfter }
    }
}
