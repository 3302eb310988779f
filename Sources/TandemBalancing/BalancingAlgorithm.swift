/// The load-balancing algorithms a backend can use; raw values are the configuration spellings.
public enum BalancingAlgorithm: String, Sendable, CaseIterable {
    /// Smooth weighted round robin (nginx): interleaves servers in proportion to their weights.
    case roundRobin = "round_robin"
    /// Weighted random choice from a seeded generator.
    case random
    /// Fewest in-flight requests relative to weight.
    case leastConnections = "least_connections"
    /// Power of two choices: two weighted-random candidates, the less loaded wins.
    case leastLoaded = "least_loaded"
    /// Consistent hash of the client address.
    case sourceHash = "source_hash"
    /// Consistent hash of the request path without its query string.
    case uriHash = "uri_hash"
}
