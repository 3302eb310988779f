import Testing

@testable import TandemBalancing

@Suite struct PowerOfTwoChoicesTests {
    /// With two candidates it always sees both, so the more loaded one is never picked.
    @Test func twoServersAlwaysEmptier() {
        var servers = makeServers(weights: [1, 1])
        servers[0].inFlight = 4
        servers[1].inFlight = 2
        var policy = PowerOfTwoChoices(seed: 1)
        let picks = (0..<1000).map { _ in policy.pick(from: servers, key: .none, avoiding: []) }
        #expect(tally(picks, count: 2) == [0, 1000])
    }

    /// Among three, the most loaded loses every pair it is drawn in; the emptiest wins the 2 of 3
    /// pairs that contain it.
    @Test func neverPicksTheMoreLoadedOfAPair() {
        var servers = makeServers(weights: [1, 1, 1])
        servers[0].inFlight = 0
        servers[1].inFlight = 5
        servers[2].inFlight = 10
        var policy = PowerOfTwoChoices(seed: 99)
        let picks = (0..<30_000).map { _ in policy.pick(from: servers, key: .none, avoiding: []) }
        let counts = tally(picks, count: 3)
        #expect(counts[2] == 0)
        #expect(abs(Double(counts[0]) / 30_000 - 2.0 / 3.0) < 0.02, "\(counts)")
    }

    /// Held requests spread in proportion to weight.
    @Test func loadFollowsWeights() throws {
        var servers = makeServers(weights: [1, 3])
        var policy = PowerOfTwoChoices(seed: 5)
        for _ in 0..<4000 {
            let picked = policy.pick(from: servers, key: .none, avoiding: [])
            let index = try #require(picked)
            servers[index].inFlight += 1
        }
        #expect(abs(servers[0].inFlight - 1000) <= 10, "\(servers.map(\.inFlight))")
    }

    /// A single eligible server is picked without a second draw.
    @Test func singleCandidate() {
        var servers = makeServers(weights: [1, 1])
        servers[0].health = .down
        var policy = PowerOfTwoChoices(seed: 3)
        #expect(policy.pick(from: servers, key: .none, avoiding: []) == 1)
    }
}
