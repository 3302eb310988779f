import Testing

@testable import TandemBalancing

@Suite struct LeastConnectionsTests {
    /// The emptier server wins.
    @Test func prefersEmptierServer() {
        var servers = makeServers(weights: [1, 1, 1])
        servers[0].inFlight = 5
        servers[1].inFlight = 1
        servers[2].inFlight = 3
        var policy = LeastConnections()
        for _ in 0..<10 {
            #expect(policy.pick(from: servers, key: .none, avoiding: []) == 1)
        }
    }

    /// Equally loaded servers take turns rather than the first absorbing every tie.
    @Test func tiesRotate() {
        let servers = makeServers(weights: [1, 1, 1])
        var policy = LeastConnections()
        let picks = (0..<6).map { _ in policy.pick(from: servers, key: .none, avoiding: []) }
        #expect(picks == [0, 1, 2, 0, 1, 2])
    }

    /// Load is relative to weight: held requests settle at the weight ratio 1:3.
    @Test func loadFollowsWeights() throws {
        var servers = makeServers(weights: [1, 3])
        var policy = LeastConnections()
        for _ in 0..<400 {
            let picked = policy.pick(from: servers, key: .none, avoiding: [])
            let index = try #require(picked)
            servers[index].inFlight += 1
        }
        #expect(abs(servers[0].inFlight - 100) <= 2)
        #expect(abs(servers[1].inFlight - 300) <= 2)
    }
}
