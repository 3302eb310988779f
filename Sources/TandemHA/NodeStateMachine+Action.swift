extension NodeStateMachine {
    /// What the service must do after an event, in order.
    public enum Action: Sendable, Hashable {
        /// Send a heartbeat carrying this state and effective priority to every peer address now.
        case send(Advertisement)
        /// Add the VIPs and announce them (gratuitous ARP / unsolicited NA).
        case claimVIPs
        /// Remove the VIPs.
        case releaseVIPs
        /// Announce the VIPs again (after a healed partition the network may point at the peer).
        case reannounceVIPs
        /// Log a state change.
        case log(Transition)
        /// Report loudly (log, heartbeat log) that only untrusted packets arrive from the peer: the sentence
        /// of ``UntrustedHeartbeat/problem``.
        case warnUntrusted(String)
    }

    /// The part of a heartbeat the machine decides.
    public struct Advertisement: Sendable, Hashable {
        public var state: NodeState
        public var priority: UInt16
        public var flags: HeartbeatFlags = []
    }

    /// One state change and why.
    public struct Transition: Sendable, Hashable, CustomStringConvertible {
        public var from: NodeState
        public var to: NodeState
        public var reason: String

        public var description: String { "\(from) -> \(to): \(reason)" }
    }
}
