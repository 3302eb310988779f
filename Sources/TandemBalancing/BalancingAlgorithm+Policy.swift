/// Builds the policy that implements `algorithm` for `servers`.
///
/// `seed` feeds the random generator of the randomized policies so that tests (and replays) are
/// reproducible; the deterministic policies ignore it.
public func makePolicy(_ algorithm: BalancingAlgorithm, servers: [ServerState], seed: UInt64) -> any BalancingPolicy {
    switch algorithm {
    case .roundRobin:
        return SmoothWeightedRoundRobin(servers: servers)
    case .random:
        return WeightedRandom(seed: seed)
    case .leastConnections:
        return LeastConnections()
    case .leastLoaded:
        return PowerOfTwoChoices(seed: seed)
    case .sourceHash, .uriHash:
        return ConsistentHash(servers: servers)
    }
}
