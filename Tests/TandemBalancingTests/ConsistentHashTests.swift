import Testing

@testable import TandemBalancing

@Suite struct ConsistentHashTests {
    static let keyCount = 100_000

    func mapping(_ policy: inout ConsistentHash, _ servers: [ServerState], avoiding: Set<Int> = []) -> [Int?] {
        (0..<Self.keyCount).map {
            policy.pick(from: servers, key: .clientAddress(clientAddress($0)), avoiding: avoiding)
        }
    }

    /// Marking one of ten servers down moves only its own keys (at most 11%); bringing it back
    /// restores the exact old mapping.
    @Test func removalMovesOnlyTheRemovedServersKeys() {
        var servers = makeServers(weights: Array(repeating: 1, count: 10))
        var policy = ConsistentHash(servers: servers)
        let before = mapping(&policy, servers)
        // Every server owns at most 11%, so removing any one of them moves at most 11%.
        for count in tally(before, count: 10) {
            #expect(count <= Self.keyCount * 11 / 100, "\(tally(before, count: 10))")
        }

        servers[3].health = .down
        policy.serversChanged(servers)
        let during = mapping(&policy, servers)
        var moved = 0
        for (old, new) in zip(before, during) where old != new {
            moved += 1
            #expect(old == 3)
        }
        #expect(moved == tally(before, count: 10)[3])
        #expect(moved <= Self.keyCount * 11 / 100)
        #expect(!during.contains(3))

        servers[3].health = .up
        policy.serversChanged(servers)
        #expect(mapping(&policy, servers) == before)
    }

    /// Raising one server's weight only moves keys to it; lowering it back restores the mapping.
    @Test func weightChangeMovesOnlyToThatServer() {
        var servers = makeServers(weights: Array(repeating: 1, count: 5))
        var policy = ConsistentHash(servers: servers)
        let keys = (0..<20_000).map { BalancingKey.clientAddress(clientAddress($0)) }
        let before = keys.map { policy.pick(from: servers, key: $0, avoiding: []) }

        servers[2].weight = 2
        policy.serversChanged(servers)
        let after = keys.map { policy.pick(from: servers, key: $0, avoiding: []) }
        for (old, new) in zip(before, after) where old != new {
            #expect(new == 2)
        }
        let share = Double(tally(after, count: 5)[2]) / Double(keys.count)
        #expect(abs(share - 2.0 / 6.0) < 0.03, "\(share)")

        servers[2].weight = 1
        policy.serversChanged(servers)
        #expect(keys.map { policy.pick(from: servers, key: $0, avoiding: []) } == before)
    }

    /// With weights 1:2:3:4, shares are within 5 percentage points of 10/20/30/40%.
    @Test func sharesFollowWeights() {
        let servers = makeServers(weights: [1, 2, 3, 4])
        var policy = ConsistentHash(servers: servers)
        let counts = tally(mapping(&policy, servers), count: 4)
        for (index, count) in counts.enumerated() {
            let expected = Double(servers[index].weight) / 10
            #expect(abs(Double(count) / Double(Self.keyCount) - expected) < 0.05, "\(counts)")
        }
    }

    /// A busy or avoided owner sends the key to the same next server a down owner would.
    @Test func walksToNextDistinctServerDeterministically() throws {
        var servers = makeServers(weights: [1, 1, 1, 1, 1], maxConnections: 1)
        var policy = ConsistentHash(servers: servers)
        let key = BalancingKey.clientAddress("198.18.7.9")
        let picked = policy.pick(from: servers, key: key, avoiding: [])
        let owner = try #require(picked)

        let avoided = policy.pick(from: servers, key: key, avoiding: [owner])
        #expect(avoided != nil && avoided != owner)

        var busy = servers
        busy[owner].inFlight = 1
        #expect(policy.pick(from: busy, key: key, avoiding: []) == avoided)

        servers[owner].health = .down
        policy.serversChanged(servers)
        #expect(policy.pick(from: servers, key: key, avoiding: []) == avoided)
        // Again and again: no hidden state changes the walk.
        for _ in 0..<5 {
            #expect(policy.pick(from: servers, key: key, avoiding: []) == avoided)
        }
        #expect(policy.pick(from: servers, key: key, avoiding: [0, 1, 2, 3, 4]) == nil)
    }

    /// `uri_hash` ignores the query string, and the same path maps the same on a fresh instance.
    @Test func pathHashIgnoresQuery() {
        let servers = makeServers(weights: Array(repeating: 1, count: 8))
        var first = ConsistentHash(servers: servers)
        var second = ConsistentHash(servers: servers)
        var distinct = Set<Int>()
        for n in 0..<200 {
            let plain = first.pick(from: servers, key: .path("/items/\(n)"), avoiding: [])
            let query = first.pick(from: servers, key: .path("/items/\(n)?page=\(n)&q=x"), avoiding: [])
            #expect(plain == query)
            #expect(second.pick(from: servers, key: .path("/items/\(n)"), avoiding: []) == plain)
            if let plain { distinct.insert(plain) }
        }
        #expect(distinct.count == 8)
    }

    /// The hash is FNV-1a-64 (reference vectors), not Swift's per-process seeded `Hasher`, so both
    /// HA nodes map keys the same way; the pinned mapping guards against a change of hash.
    @Test func hashIsStableAcrossProcesses() {
        #expect(StableHash.fnv1a("".utf8) == 0xCBF2_9CE4_8422_2325)
        #expect(StableHash.fnv1a("a".utf8) == 0xAF63_DC4C_8601_EC8C)
        #expect(StableHash.fnv1a("foobar".utf8) == 0x8594_4171_F739_67E8)
        let servers = makeServers(weights: [1, 1, 1, 1])
        var policy = ConsistentHash(servers: servers)
        let picks = (0..<8).map { policy.pick(from: servers, key: .clientAddress(clientAddress($0)), avoiding: []) }
        #expect(picks == Self.pinnedPicks)
    }

    static let pinnedPicks: [Int?] = [3, 1, 3, 3, 2, 1, 2, 0]
}
