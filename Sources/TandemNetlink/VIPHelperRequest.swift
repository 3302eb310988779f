/// One request line of the VIP helper protocol (newline-delimited JSON on the helper's Unix socket).
///
/// `{"op":"claim","vip":"198.18.0.100/24","interface":"eth0"}`; `release` and `announce` take the same
/// fields, `list` none.
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
    }

    /// The operation.
    public var op: Operation
    /// `ADDRESS/PREFIX` for claim, release and announce.
    public var vip: String?
    /// The interface name for claim, release and announce.
    public var interface: String?

    /// Creates a request.
    public init(op: Operation, vip: String? = nil, interface: String? = nil) {
        self.op = op
        self.vip = vip
        self.interface = interface
    }
}
