import TandemControl

/// Reports used by several suites.
enum StatusFixtures {
    /// An ACTIVE node with a live STANDBY peer and a few rejected packets.
    static let active = NodeStatusReport(
        node: "lb-a",
        pid: 4242,
        uptimeSeconds: 192.4,
        ha: HAStatusReport(
            state: "ACTIVE",
            reason: "peer lb-b is dead",
            configuredPriority: 150,
            effectivePriority: 150,
            peer: .init(name: "lb-b", state: "STANDBY", priority: 100, lastHeardMs: 23.4, alive: true),
            rttMedianMs: 0.214,
            rttP99Ms: 0.4,
            vips: [.init(address: "198.18.0.100/24", interface: "eth0", holder: "lb-a")],
            accepted: 1234,
            rejected: ["badMAC": 2, "replay": 1, "clockSkew": 0],
            failingTracks: [],
            transitions: 2,
            vipFailures: 0
        )
    )
}
