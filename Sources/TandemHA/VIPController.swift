import NIOCore

/// Moves the virtual IPs on behalf of the HA service (in the daemon: a client of the VIP helper).
///
/// Calls come one at a time, in the order the state machine decided them, from a task off the event loop.
/// Each must be idempotent: claiming a held VIP or releasing an absent one succeeds.
public protocol VIPController: Sendable {
    /// Add every VIP and announce it (gratuitous ARP / unsolicited NA).
    func claim() async throws
    /// Remove every VIP.
    func release() async throws
    /// Announce every VIP again without changing addresses.
    func reannounce() async throws
}

/// What the helper reports for this node's VIPs (claimed through it and present on the interface, or not).
public struct VIPHoldings: Sendable, Hashable {
    /// VIPs claimed and present.
    public var present: [String]
    /// VIPs not claimed, or claimed but missing from their interface.
    public var missing: [String]

    public init(present: [String], missing: [String]) {
        self.present = present
        self.missing = missing
    }
}

/// The optional duties of a controller, with defaults for controllers that have no helper behind them.
public protocol VIPHelperDuties: VIPController {
    /// What the helper holds now, for the periodic reconciliation.
    func holdings() async throws -> VIPHoldings
    /// Hands the helper the signed farewell to send to `destinations` if this daemon's connection breaks.
    func armFarewell(_ packet: [UInt8], destinations: [SocketAddress]) async throws
    /// Withdraws the farewell (a graceful stop sends its own).
    func disarmFarewell() async throws
}
