extension HeartbeatWindow {
    /// A change in the peer's liveness.
    enum PeerChange: Sendable, Hashable {
        /// A valid heartbeat after silence (or the first ever).
        case alive(String)
        /// No valid heartbeat for the dead window; `silence` since the last one.
        case dead(String, silence: Duration)
    }
}
