/// Why a received datagram was dropped without any effect on the node's state.
///
/// Every reason has its own counter in ``HeartbeatReceiver`` so that `tandem status` can show what is arriving.
public enum HeartbeatRejection: String, Error, Sendable, Hashable, CaseIterable {
    /// The bytes do not parse as a heartbeat (wrong magic, length, field value or trailing bytes).
    case malformed
    /// The protocol version byte is not one this build speaks.
    case unknownVersion
    /// The key id is not in our keyring (a peer with a newer or foreign key file).
    case unknownKeyID
    /// The HMAC-SHA256 does not verify: corrupted, forged, or signed with another secret.
    case badMAC
    /// The packet carries our own node name: a loop, a misconfigured peer, or a reflection attack.
    case ownName
    /// The sequence number is older than the last accepted one for that node and boot epoch.
    case replay
    /// The sequence number equals the last accepted one: the same packet over a second path (expected with
    /// several peer addresses, so it is counted but not worth a warning).
    case duplicate
    /// The boot epoch is older than the last accepted one for that node: a packet from before its restart.
    case staleEpoch
    /// The packet arrived later than the freshness window allows, judged on our monotonic clock against the
    /// sender's (a delayed or withheld capture). Wall clocks play no part.
    case late
    /// A farewell for a boot epoch we do not currently know from that node, or a second one for it.
    case unexpectedFarewell

    /// Rejections that still show the sender is there and speaking, though we cannot trust what it says: a
    /// mismatched key, another protocol version, or a clock we cannot place. A node hearing only these from
    /// its peer reports it loudly and may only suppress its own claim (``ClaimedHeartbeat``).
    public var showsUntrustedPeer: Bool {
        switch self {
        case .unknownVersion, .unknownKeyID, .badMAC, .staleEpoch, .late: true
        case .malformed, .ownName, .replay, .duplicate, .unexpectedFarewell: false
        }
    }
}
