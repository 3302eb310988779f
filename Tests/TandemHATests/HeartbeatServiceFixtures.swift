import NIOCore
import TandemHA

/// The service configuration the loopback service suites share: a node on 127.0.0.1, port chosen by the
/// kernel, no peers yet (the test connects them), dead after 3 intervals, no preemption.
enum HeartbeatServiceFixtures {
    static func configuration(
        name: String,
        priority: Int,
        interval: Duration,
        keyring: HeartbeatKeyring,
        summaryInterval: Duration = .seconds(10)
    ) throws -> HeartbeatService.Configuration {
        HeartbeatService.Configuration(
            machine: .init(
                nodeName: name,
                priority: priority,
                interval: interval,
                deadAfter: 3,
                preempt: false,
                preemptDelay: .seconds(1),
                backendPenalty: 50
            ),
            listen: try SocketAddress(ipAddress: "127.0.0.1", port: 0),
            peers: [],
            keyring: keyring,
            summaryInterval: summaryInterval
        )
    }
}
