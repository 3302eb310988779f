/// Picks the eligible server with the fewest in-flight requests relative to its weight.
///
/// The scan starts just after the previous pick, so servers with equal load take turns instead of
/// the first one in the list absorbing every tie (which would happen at low load all the time).
public struct LeastConnections: BalancingPolicy {
    private var start = 0

    public init() {}

    public mutating func pick(from servers: [ServerState], key: BalancingKey, avoiding: Set<Int>) -> Int? {
        guard !servers.isEmpty else { return nil }
        var best: Int?
        for step in 0..<servers.count {
            let index = (start + step) % servers.count
            guard servers[index].isEligible, !avoiding.contains(index) else { continue }
            if let chosen = best, !servers[index].hasLowerLoad(than: servers[chosen]) {
                continue
            }
            best = index
        }
        if let best {
            start = (best + 1) % servers.count
        }
        return best
    }

    public mutating func serversChanged(_ servers: [ServerState]) {}
}
