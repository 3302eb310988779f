extension HAEvent {
    /// What happened; the raw value is the `event` field of the line.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// The heartbeat service started.
        case started
        /// The heartbeat service stopped (graceful shutdown; a crash leaves no line).
        case stopped
        /// The node changed state.
        case transition
        /// A valid heartbeat from the peer after silence (or the first one).
        case peerAlive = "peer_alive"
        /// No valid heartbeat from the peer for the dead window.
        case peerDead = "peer_dead"
        /// A datagram was rejected (rate-limited).
        case rejected
        /// A VIP was claimed (added and announced).
        case vipClaim = "vip_claim"
        /// A VIP was released.
        case vipRelease = "vip_release"
        /// A VIP was announced again.
        case vipAnnounce = "vip_announce"
        /// The periodic heartbeat statistics.
        case summary
        /// Only untrusted packets arrive from the peer (`peer`, `reason`: the problem, e.g. a key mismatch).
        case untrustedPeer = "untrusted_peer"
        /// The service's own ticks were further apart than the dead window (`silent_ms`, `reason`: the cause).
        case paused
        /// Claiming the VIPs kept failing: the node goes FAULT (`error`), or that FAULT ended (`ok`).
        case vipFault = "vip_fault"
        /// What the helper holds differed from what this node should hold, and is being put right (`reason`).
        case reconcile
        /// The key file was re-read (`ok`; `error` when the old keys stay in force).
        case keysReloaded = "keys_reloaded"
        /// The peer's VIP groups differ from this node's (`reason`), or match again (`ok`).
        case groupsDiffer = "groups_differ"
    }
}
