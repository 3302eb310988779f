/// `least_loaded`: draws two distinct weighted-random eligible servers and takes the less loaded.
///
/// Nearly as balanced as least-connections but without its herd effect: a server that just became
/// the emptiest does not receive every new request at once, since it only wins when drawn.
public struct PowerOfTwoChoices: BalancingPolicy {
    private var generator: SplitMix64

    public init(seed: UInt64) {
        self.generator = SplitMix64(seed: seed)
    }

    public mutating func pick(from servers: [ServerState], key: BalancingKey, avoiding: Set<Int>) -> Int? {
        guard
            let first = WeightedRandom.weightedIndex(
                in: servers,
                avoiding: avoiding,
                excluding: nil,
                using: &generator
            )
        else { return nil }
        guard
            let second = WeightedRandom.weightedIndex(
                in: servers,
                avoiding: avoiding,
                excluding: first,
                using: &generator
            )
        else { return first }
        return servers[second].hasLowerLoad(than: servers[first]) ? second : first
    }

    public mutating func serversChanged(_ servers: [ServerState]) {}
}
