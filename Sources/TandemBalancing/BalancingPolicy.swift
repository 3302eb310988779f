/// A load-balancing policy: HAProxy's per-algorithm hooks reduced to one pick and one change notice.
///
/// Policies are pure values with no I/O, clocks or locks: the owner (``BackendBalancer``) serializes
/// calls, so a policy may keep mutable bookkeeping (cursors, rings, generators) without synchronization.
public protocol BalancingPolicy: Sendable {
    /// Index of the server for this request among `servers`, skipping every server that is not
    /// `isEligible` and every index in `avoiding`; nil when none qualifies.
    mutating func pick(from servers: [ServerState], key: BalancingKey, avoiding: Set<Int>) -> Int?
    /// Called after weights, health, admin state or ejection changed (rebuild rings/tables here).
    mutating func serversChanged(_ servers: [ServerState])
}
