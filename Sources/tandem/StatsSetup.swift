import Logging
import Metrics
import NIOCore
import Prometheus
import Synchronization
import TandemConfig
import TandemControl
import TandemProxy

/// The stats listener and its registry, made only when `node.stats` is configured (so a node without it pays
/// nothing, not even a registry).
struct StatsSetup {
    let collector: MetricsCollector
    let server: StatsServer
    private let runtime: HolderOfRuntime

    /// The registry; anything that reports through swift-metrics lands in it too.
    static func makeRegistry() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }

    init(
        registry: PrometheusCollectorRegistry,
        bind: SocketAddressSpec,
        node: String,
        proxy: ProxyServer,
        logger: Logger
    ) throws {
        let collector = MetricsCollector(registry: registry, node: node, proxy: proxy)
        let address = try SocketAddress(ipAddress: bind.host, port: bind.port)
        let started = ContinuousClock.now
        let runtime = HolderOfRuntime()
        self.collector = collector
        self.runtime = runtime
        server = StatsServer(bind: address, collector: collector, logger: logger) {
            let uptime = Double(started.duration(to: .now).components.seconds)
            return StatusPage(node: node, uptimeSeconds: uptime, proxy: proxy, ha: runtime.value.withLock { $0 })
        }
    }

    /// Binds the listener once the HA runtime (if any) exists, so the page can show it.
    func start(ha: HARuntime?) async throws {
        runtime.value.withLock { $0 = ha }
        try await server.start()
    }

    private final class HolderOfRuntime: Sendable {
        let value = Mutex<HARuntime?>(nil)
    }
}
