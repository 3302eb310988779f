import Testing

@testable import TandemBalancing

@Suite struct EligibilityTests {
    /// Servers 0-5 are each out for one reason (down, draining, disabled, ejected, at
    /// max_connections, avoided); only server 6 qualifies.
    static func mixedServers() -> [ServerState] {
        var servers = makeServers(weights: [5, 5, 5, 5, 5, 5, 1], maxConnections: 2)
        servers[0].health = .down
        servers[1].admin = .draining
        servers[2].admin = .disabled
        servers[3].isEjected = true
        servers[4].inFlight = 2
        return servers
    }

    static let avoided: Set<Int> = [5]

    /// Every policy skips every ineligible state.
    @Test(arguments: BalancingAlgorithm.allCases)
    func everyPolicySkipsIneligibleServers(algorithm: BalancingAlgorithm) {
        let servers = Self.mixedServers()
        var policy = makePolicy(algorithm, servers: servers, seed: 11)
        policy.serversChanged(servers)
        for n in 0..<300 {
            let key: BalancingKey = [.none, .clientAddress(clientAddress(n)), .path("/p/\(n)")][n % 3]
            #expect(policy.pick(from: servers, key: key, avoiding: Self.avoided) == 6)
        }
        #expect(policy.pick(from: servers, key: .clientAddress("198.18.0.1"), avoiding: [5, 6]) == nil)
    }

    /// Usability and eligibility follow the documented rules.
    @Test func stateFlags() {
        let servers = Self.mixedServers()
        #expect(servers.map(\.isUsable) == [false, false, false, false, true, true, true])
        #expect(servers.map(\.isEligible) == [false, false, false, false, false, true, true])
        var unlimited = ServerState(name: "u")
        unlimited.inFlight = 10_000
        #expect(unlimited.isEligible)
    }

    /// Weights are clamped into 1...256.
    @Test func weightClamped() {
        #expect(ServerState(name: "a", weight: 0).weight == 1)
        #expect(ServerState(name: "a", weight: 1000).weight == 256)
        var server = ServerState(name: "a", weight: 10)
        server.weight = -3
        #expect(server.weight == 1)
    }
}
