/// nginx's smooth weighted round robin.
///
/// Each pick adds every candidate's weight to its running `current` value, takes the largest
/// (first on ties) and subtracts the candidates' total weight from it. Over a full cycle each server
/// is picked exactly `weight` times, and heavy servers are interleaved with light ones instead of
/// being picked in a burst: weights 5:1:1 give `a a b a c a a`. Equal weights are plain round robin.
public struct SmoothWeightedRoundRobin: BalancingPolicy {
    private var current: [Int]

    public init(servers: [ServerState]) {
        self.current = Array(repeating: 0, count: servers.count)
    }

    public mutating func pick(from servers: [ServerState], key: BalancingKey, avoiding: Set<Int>) -> Int? {
        if current.count != servers.count {
            current = Array(repeating: 0, count: servers.count)
        }
        var total = 0
        var best: Int?
        for index in servers.indices where servers[index].isEligible && !avoiding.contains(index) {
            current[index] += servers[index].weight
            total += servers[index].weight
            if let chosen = best, current[chosen] >= current[index] {
                continue
            }
            best = index
        }
        guard let best else { return nil }
        current[best] -= total
        return best
    }

    /// Restarts the cycle: running values earned under the old weights or membership would skew it.
    public mutating func serversChanged(_ servers: [ServerState]) {
        current = Array(repeating: 0, count: servers.count)
    }
}
