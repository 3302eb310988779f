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
