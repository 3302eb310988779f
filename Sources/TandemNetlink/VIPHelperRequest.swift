/// One request line of the VIP helper protocol (newline-delimited JSON on the helper's Unix socket).
///
/// `{"op":"claim","vip":"198.18.0.100/24","interface":"eth0"}`; `release` and `announce` take the same
/// fields, `list` none; `arm` takes `packet` (base64) and `destinations` (`IP:PORT` strings), `disarm` none.
public struct VIPHelperRequest: Codable, Sendable, Equatable {
    /// The operation.
    public enum Operation: String, Codable, Sendable {
        /// Add the address (idempotent), announce it, keep refreshing the announcement; the connection owns it.
        case claim
        /// Remove the address (idempotent) and stop its announcements, whichever connection claimed it.
        case release
        /// Send the announcement burst again now (after a healed partition, the node that stays re-announces);
        /// only for a VIP claimed through the helper.
        case announce
        /// The VIPs held through the helper and whether each is on its interface.
        case list
        /// Keep this signed farewell and send it to `destinations` if this connection breaks (the daemon
        /// crashed), right after releasing its VIPs: the peer claims in milliseconds instead of a dead window.
        /// The helper cannot read or forge it; it only passes on what the daemon signed.
        case arm
        /// Forget the farewell (the daemon stops gracefully and says goodbye itself).
        case disarm
    }

    /// The operation.
    public var op: Operation
    /// `ADDRESS/PREFIX` for claim, release and announce.
    public var vip: String?
    /// The interface name for claim, release and announce.
    public var interface: String?
    /// For `arm`: the farewell datagram, base64.
    public var packet: String?
    /// For `arm`: where to send it, `IP:PORT` (IPv6 as `[IP]:PORT`).
    public var destinations: [String]?

    /// Creates a request.
    public init(
        op: Operation,
        vip: String? = nil,
        interface: String? = nil,
        packet: String? = nil,
        destinations: [String]? = nil
    ) {
        self.op = op
        self.vip = vip
        self.interface = interface
        self.packet = packet
        self.destinations = destinations
    }
}
