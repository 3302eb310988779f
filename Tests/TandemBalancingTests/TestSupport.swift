@testable import TandemBalancing

/// Servers named `s0`, `s1`, ... with the given weights.
func makeServers(weights: [Int], maxConnections: Int? = nil) -> [ServerState] {
    weights.enumerated().map { ServerState(name: "s\($0.offset)", weight: $0.element, maxConnections: maxConnections) }
}

/// How many of `picks` went to each of `count` servers.
func tally(_ picks: [Int?], count: Int) -> [Int] {
    var counts = Array(repeating: 0, count: count)
    for case let index? in picks {
        counts[index] += 1
    }
    return counts
}

/// A client address in the benchmarking range 198.18.0.0/15 (never routed) for key number `n`.
func clientAddress(_ n: Int) -> String {
    "198.\(18 + ((n >> 16) & 1)).\((n >> 8) & 255).\(n & 255)"
}
