import Testing

@testable import TandemBalancing

@Suite struct BackendBalancerTests {
    func balancer(
        _ algorithm: BalancingAlgorithm = .roundRobin,
        weights: [Int] = [1, 1],
        maxConnections: Int? = nil
    ) -> BackendBalancer {
        BackendBalancer(
            name: "web",
            servers: makeServers(weights: weights, maxConnections: maxConnections),
            algorithm: algorithm,
            seed: 1
        )
    }

    /// All usable servers at max_connections → allBusy (queue); none usable → noneAvailable (503).
    @Test(arguments: BalancingAlgorithm.allCases)
    func allBusyVersusNoneAvailable(algorithm: BalancingAlgorithm) {
        var backend = balancer(algorithm, maxConnections: 1)
        let first = backend.pick()
        #expect(first == .server(0) || first == .server(1))
        backend.acquire(0)
        backend.acquire(1)
        #expect(backend.pick(key: .clientAddress("198.18.0.5")) == .allBusy)

        backend.release(1)
        #expect(backend.pick(key: .clientAddress("198.18.0.5")) == .server(1))

        backend.setHealth(1, .down)
        #expect(backend.pick() == .allBusy)
        backend.setAdmin(0, .draining)
        #expect(backend.pick() == .noneAvailable)
    }

    /// A retry avoiding the only usable server gets noneAvailable, not a queue slot.
    @Test func avoidingTheOnlyUsableServer() {
        var backend = balancer()
        backend.setEjected(1, true)
        #expect(backend.pick(avoiding: [0]) == .noneAvailable)
        backend.setEjected(1, false)
        #expect(backend.pick(avoiding: [0]) == .server(1))
    }

    /// A draining server takes nothing new but reports its in-flight requests until they finish.
    @Test func drainingReportsInFlight() {
        var backend = balancer()
        backend.acquire(0)
        backend.acquire(0)
        backend.setAdmin(0, .draining)
        for _ in 0..<4 {
            #expect(backend.pick() == .server(1))
        }
        #expect(backend.inFlight(named: "s0") == 2)
        backend.release(0)
        backend.release(0)
        #expect(backend.inFlight(named: "s0") == 0)
        #expect(backend.inFlight(named: "nope") == nil)
        #expect(backend.index(named: "s1") == 1)
        #expect(backend.index(named: "nope") == nil)
    }

    /// A weight change reaches the policy: 1:1 becomes 3:1.
    @Test func weightChangeReachesPolicy() {
        var backend = balancer()
        backend.setWeight(0, 3)
        #expect(backend.servers[0].weight == 3)
        var picks: [Int?] = []
        for _ in 0..<8 {
            guard case .server(let index) = backend.pick() else {
                Issue.record("no server")
                return
            }
            picks.append(index)
        }
        #expect(tally(picks, count: 2) == [6, 2])
    }

    /// Cookie values are stable across instances (as on the two HA nodes), distinct per server and
    /// per backend, and only known values map back to a server.
    @Test func persistenceValues() {
        let names = ["app-1", "app-2", "app-3"]
        let first = BackendBalancer(name: "web", servers: names.map { ServerState(name: $0) }, algorithm: .random)
        let second = BackendBalancer(
            name: "web",
            servers: names.map { ServerState(name: $0) },
            algorithm: .leastConnections
        )
        let other = BackendBalancer(name: "api", servers: names.map { ServerState(name: $0) }, algorithm: .random)
        let values = names.indices.map { first.cookieValue(for: $0) }
        #expect(names.indices.map { second.cookieValue(for: $0) } == values)
        #expect(Set(values).count == 3)
        #expect(Set(values).isDisjoint(with: names.indices.map { other.cookieValue(for: $0) }))
        for (index, value) in values.enumerated() {
            #expect(value.count == 16)
            #expect(value.allSatisfy { "0123456789abcdef".contains($0) })
            #expect(second.persistentServer(cookieValue: value) == index)
            #expect(other.persistentServer(cookieValue: value) == nil)
        }
        #expect(first.persistentServer(cookieValue: "0000000000000000") == nil)
        #expect(first.persistentServer(cookieValue: "app-1") == nil)
        #expect(first.persistentServer(cookieValue: "") == nil)
    }
}
