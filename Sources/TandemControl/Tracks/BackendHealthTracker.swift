import ServiceLifecycle

/// Feeds the local backends' health into the HA state machine (`track: - backends: all`): every `interval`
/// it asks `isHealthy` (true while any server of any backend can take requests) and reports each change,
/// so a node whose backends are all down lowers its priority and lets a healthy peer take the VIP.
public struct BackendHealthTracker: Service {
    private let interval: Duration
    private let isHealthy: @Sendable () -> Bool
    private let report: @Sendable (Bool) -> Void

    public init(
        interval: Duration,
        isHealthy: @escaping @Sendable () -> Bool,
        report: @escaping @Sendable (Bool) -> Void
    ) {
        self.interval = interval
        self.isHealthy = isHealthy
        self.report = report
    }

    public func run() async throws {
        var last: Bool?
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            let healthy = isHealthy()
            if healthy != last {
                report(healthy)
                last = healthy
            }
            try? await Task.sleep(for: interval)
        }
    }
}
