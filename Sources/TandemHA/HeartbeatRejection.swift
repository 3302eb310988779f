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
    /// The sender timestamp is outside the allowed window around our wall clock (an old capture, or
    /// unsynchronised clocks).
    case clockSkew
}
