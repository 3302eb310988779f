/// `source_hash` and `uri_hash`: a consistent-hash ring with many points per weight unit.
///
/// A key goes to the first ring point at or after its hash. Every server's points are on the ring
/// whatever its state; an ineligible or avoided server is skipped by walking clockwise to the next
/// distinct server. Hence marking a server down moves only the keys it owned, and bringing it back
/// restores the exact previous mapping. Points and keys use ``StableHash`` (never Swift's per-process
/// seeded `Hasher`), so both nodes of an HA pair map every key to the same server.
public struct ConsistentHash: BalancingPolicy {
    /// Fewest points per weight unit, reached only when the total weight is large.
    public static let minimumPointsPerWeight = 100
    /// Most points per weight unit: small backends get this many, so each of ten equal servers owns
    /// within about half a percentage point of its 10%.
    public static let maximumPointsPerWeight = 1000
    /// The ring size aimed at when choosing points per weight unit between the two bounds.
    public static let pointBudget = 160_000
    /// Past this many points (weights raised at run time) the density is chosen afresh.
    public static let pointLimit = 4 * pointBudget

    private struct Point: Sendable {
        var hash: UInt64
        var server: Int
    }

    private struct Member: Sendable, Equatable {
        var name: String
        var weight: Int
    }

    private let isDensityFixed: Bool
    private var pointsPerWeight: Int
    private var ring: [Point] = []
    private var members: [Member] = []
    private var unkeyedCounter: UInt64 = 0

    /// - Parameter pointsPerWeight: ring points per weight unit; nil picks `pointBudget / total weight`
    ///   clamped to `minimumPointsPerWeight...maximumPointsPerWeight` once, here. Keeping the density
    ///   for the policy's lifetime means a weight change only adds or removes that server's points,
    ///   moving only keys next to them (unless the ring would outgrow `pointLimit`).
    public init(servers: [ServerState], pointsPerWeight: Int? = nil) {
        precondition((pointsPerWeight ?? 1) > 0, "pointsPerWeight must be positive")
        self.isDensityFixed = pointsPerWeight != nil
        self.pointsPerWeight = pointsPerWeight ?? Self.adaptiveDensity(servers)
        rebuildIfNeeded(servers)
    }

    public mutating func pick(from servers: [ServerState], key: BalancingKey, avoiding: Set<Int>) -> Int? {
        guard !ring.isEmpty else { return nil }
        let start = firstPoint(atOrAfter: hash(of: key))
        let first = ring[start].server
        if first < servers.count, servers[first].isEligible, !avoiding.contains(first) {
            return first
        }
        var tried = Array(repeating: false, count: servers.count)
        var triedCount = 0
        for step in 0..<ring.count {
            let server = ring[(start + step) % ring.count].server
            guard server < servers.count, !tried[server] else { continue }
            if servers[server].isEligible, !avoiding.contains(server) {
                return server
            }
            tried[server] = true
            triedCount += 1
            if triedCount == servers.count {
                break
            }
        }
        return nil
    }

    /// Rebuilds the ring only when names or weights changed; state changes need no rebuild.
    public mutating func serversChanged(_ servers: [ServerState]) {
        rebuildIfNeeded(servers)
    }

    private mutating func rebuildIfNeeded(_ servers: [ServerState]) {
        let current = servers.map { Member(name: $0.name, weight: $0.weight) }
        guard current != members || ring.isEmpty else { return }
        members = current
        let totalWeight = servers.reduce(0) { $0 + $1.weight }
        if !isDensityFixed, totalWeight * pointsPerWeight > Self.pointLimit {
            pointsPerWeight = Self.adaptiveDensity(servers)
        }
        var points: [Point] = []
        points.reserveCapacity(totalWeight * pointsPerWeight)
        for (index, server) in servers.enumerated() {
            let nameHash = StableHash.fnv1a(server.name.utf8)
            for point in 0..<(server.weight * pointsPerWeight) {
                let hash = StableHash.mix(StableHash.fnv1a(UInt64(point), state: nameHash))
                points.append(Point(hash: hash, server: index))
            }
        }
        // Ties (vanishingly rare) are broken by name so that both nodes order them identically.
        ring = points.sorted {
            $0.hash != $1.hash ? $0.hash < $1.hash : servers[$0.server].name < servers[$1.server].name
        }
    }

    /// Points per weight unit that make a ring of about `pointBudget` points, within the bounds.
    private static func adaptiveDensity(_ servers: [ServerState]) -> Int {
        let totalWeight = max(1, servers.reduce(0) { $0 + $1.weight })
        return min(max(pointBudget / totalWeight, minimumPointsPerWeight), maximumPointsPerWeight)
    }

    private mutating func hash(of key: BalancingKey) -> UInt64 {
        switch key {
        case .none:
            // No affinity to keep: spread unkeyed requests over the ring.
            unkeyedCounter &+= 1
            return StableHash.mix(unkeyedCounter)
        case .clientAddress(let address):
            return StableHash.of(address)
        case .path(let path):
            return StableHash.of(path.prefix { $0 != "?" })
        }
    }

    /// Index of the first point whose hash is >= `hash`, wrapping to 0 past the end.
    private func firstPoint(atOrAfter hash: UInt64) -> Int {
        var low = 0
        var high = ring.count
        while low < high {
            let middle = (low + high) / 2
            if ring[middle].hash < hash {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low == ring.count ? 0 : low
    }
}
