import Testing

@testable import TandemBalancing

@Suite struct SmoothWeightedRoundRobinTests {
    /// Weights 5:1:1 interleave as nginx does: a a b a c a a.
    @Test func interleavedSequence() {
        let servers = makeServers(weights: [5, 1, 1])
        var policy = SmoothWeightedRoundRobin(servers: servers)
        let picks = (0..<14).map { _ in policy.pick(from: servers, key: .none, avoiding: []) }
        #expect(picks == [0, 0, 1, 0, 2, 0, 0, 0, 0, 1, 0, 2, 0, 0])
    }

    /// Shares are exact: 7,000 picks give 5000/1000/1000; 10,000 give 1428 cycles plus `a a b a`.
    @Test func exactShares() {
        let servers = makeServers(weights: [5, 1, 1])
        var policy = SmoothWeightedRoundRobin(servers: servers)
        let first = (0..<7000).map { _ in policy.pick(from: servers, key: .none, avoiding: []) }
        #expect(tally(first, count: 3) == [5000, 1000, 1000])

        var fresh = SmoothWeightedRoundRobin(servers: servers)
        let tenThousand = (0..<10_000).map { _ in fresh.pick(from: servers, key: .none, avoiding: []) }
        #expect(tally(tenThousand, count: 3) == [7143, 1429, 1428])
    }

    /// Equal weights are plain round robin.
    @Test func equalWeightsRotate() {
        let servers = makeServers(weights: [2, 2, 2])
        var policy = SmoothWeightedRoundRobin(servers: servers)
        let picks = (0..<6).map { _ in policy.pick(from: servers, key: .none, avoiding: []) }
        #expect(picks == [0, 1, 2, 0, 1, 2])
    }

    /// A server out of the rotation shares nothing; the others keep their ratio.
    @Test func skippedServerKeepsOthersProportional() {
        var servers = makeServers(weights: [3, 1, 2])
        servers[2].health = .down
        var policy = SmoothWeightedRoundRobin(servers: servers)
        policy.serversChanged(servers)
        let picks = (0..<400).map { _ in policy.pick(from: servers, key: .none, avoiding: []) }
        #expect(tally(picks, count: 3) == [300, 100, 0])
    }
}
