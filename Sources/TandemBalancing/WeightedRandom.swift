/// Picks a server at random with probability proportional to its weight.
///
/// The generator is seeded by the caller, so a given seed always yields the same sequence.
public struct WeightedRandom: BalancingPolicy {
    private var generator: SplitMix64

    public init(seed: UInt64) {
        self.generator = SplitMix64(seed: seed)
    }

    public mutating func pick(from servers: [ServerState], key: BalancingKey, avoiding: Set<Int>) -> Int? {
        Self.weightedIndex(in: servers, avoiding: avoiding, excluding: nil, using: &generator)
    }

    public mutating func serversChanged(_ servers: [ServerState]) {}

    /// A weighted-random eligible index not in `avoiding` and not `excluding`; nil when none qualifies.
    static func weightedIndex(
        in servers: [ServerState],
        avoiding: Set<Int>,
        excluding: Int?,
        using generator: inout SplitMix64
    ) -> Int? {
        func qualifies(_ index: Int) -> Bool {
            index != excluding && servers[index].isEligible && !avoiding.contains(index)
        }
        var total = 0
        for index in servers.indices where qualifies(index) {
            total += servers[index].weight
        }
        guard total > 0 else { return nil }
        var remaining = Int(generator.next(upperBound: UInt64(total)))
        for index in servers.indices where qualifies(index) {
            if remaining < servers[index].weight {
                return index
            }
            remaining -= servers[index].weight
        }
        preconditionFailure("weighted pick ran past the total weight")
    }
}
