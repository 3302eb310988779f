import ArgumentParser
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import TandemConfig
import TandemControl
import TandemNIOSupport
import TandemProxy

/// `tandem run`: the daemon. It serves every frontend, the admin socket and, with an `ha:` section, the
/// heartbeat pair until SIGTERM or SIGINT; then it hands the VIPs over and drains.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the load balancer daemon.",
        discussion: """
            Serves until SIGTERM or SIGINT. Then an ACTIVE node releases its VIPs and tells its peer \
            (which claims them at once), stops accepting, lets in-flight requests finish (up to \
            node.drain_timeout) and exits 0. SIGHUP (or `tandem reload`) re-reads the whole configuration and \
            applies it without dropping a connection; a file with errors changes nothing and the errors are logged. It also reopens the access logs.

            With an `ha:` section the VIP helper (`tandem vip-helper`) must be running: the daemon waits \
            up to 5 s for its socket, then exits 1.

            Example:
              tandem run --config /etc/tandem/tandem.yaml
            """
    )

    @Option(name: .long, help: "The configuration file.")
    var config: String

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        let configuration: TandemConfiguration
        do {
            configuration = try ConfigLoader.load(path: config)
        } catch {
            printError(error.description)
            throw ExitCode.failure
        }
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "tandem")
        logger[metadataKey: "node"] = "\(configuration.node.name)"

        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.node.threads)
        let services: [any Service]
        let ha: HARuntime?
        do {
            (services, ha) = try await startServices(configuration: configuration, group: group, logger: logger)
        } catch {
            printError("tandem: cannot start: \(error)")
            try? await group.shutdownGracefully()
            throw ExitCode.failure
        }
        let serviceGroup = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await serviceGroup.run()
        try await group.shutdownGracefully()
        try await ha?.eventLoopGroup.shutdownGracefully()
        logger.info("stopped")
    }

    /// Starts what can fail at start (listeners, key file, helper, admin socket) and returns the services in
    /// start order: admin, proxy, then HA, so that shutdown hands the VIPs over before the proxy drains.
    private func startServices(
        configuration: TandemConfiguration,
        group: MultiThreadedEventLoopGroup,
        logger: Logger
    ) async throws -> (services: [any Service], ha: HARuntime?) {
        let registry = configuration.node.statsBind.map { _ in StatsSetup.makeRegistry() }
        let proxy = try ProxyServer(
            configuration: configuration,
            group: group,
            logger: logger,
            metrics: registry.map { ProxyMetrics(registry: $0) }
        )
        let stats = try registry.flatMap { registry in
            try configuration.node.statsBind.map { bind in
                try StatsSetup(
                    registry: registry,
                    bind: bind,
                    node: configuration.node.name,
                    proxy: proxy,
                    logger: logger
                )
            }
        }
        try await proxy.start()
        var ha: HARuntime?
        var trackers: [any Service] = []
        if let settings = configuration.ha {
            let runtime = try await HARuntime.start(
                node: configuration.node,
                ha: settings,
                logger: logger,
                metrics: stats?.collector
            )
            stats?.collector.attach(runtime)
            ha = runtime
            if settings.track.contains(where: { if case .backends = $0 { true } else { false } }) {
                trackers.append(
                    BackendHealthTracker(
                        interval: settings.interval,
                        isHealthy: {
                            proxy.serverStatuses().contains {
                                $0.health == .up && $0.admin != .disabled && !$0.isEjected
                            }
                        },
                        report: { runtime.backendsHealthChanged($0) }
                    )
                )
            }
        }
        // SIGHUP and `tandem reload` re-read the whole configuration (TLS files, heartbeat log and keys too).
        let reloader = ConfigReloader(path: config, proxy: proxy, ha: ha, logger: logger)
        let hangup = HangupReloader(
            actions: [HangupReloader.Action(name: "configuration") { _ = await reloader.reload() }],
            logger: logger
        )
        var router = AdminRouter()
        router.registerStatus(node: configuration.node.name, ha: ha)
        router.registerServerControl(proxy: proxy, logger: logger)
        if let ha {
            router.registerHandover(ha: ha) { proxy.windDownKeepAlive($0) }
        }
        router.register("reload") { _ in await reloader.reload() }
        if getenv("TANDEM_DEBUG_COMMANDS") != nil {
            router.registerDebug(proxyGroup: group, logger: logger)
        }
        let operators = configuration.node.adminOperators.map { UserAccount(name: $0.name, uid: $0.uid) }
        try await stats?.start(ha: ha)
        let admin = AdminServer(
            socketPath: configuration.node.adminSocketPath,
            router: router,
            access: .forThisProcess(operators: operators),
            // Off the proxy's loops: `tandem status` must answer while the data plane is stalled.
            group: MultiThreadedEventLoopGroup.singleton,
            logger: logger
        )
        do {
            try await admin.bind()
        } catch {
            // The data plane and the HA pair matter more than the admin API: serve without it.
            logger.error("admin socket unavailable, `tandem status` will not work: \(error)")
            return ([hangup, proxy] + (ha?.services ?? []) + trackers + (stats.map { [$0.server] } ?? []), ha)
        }
        return ([hangup, admin, proxy] + (ha?.services ?? []) + trackers + (stats.map { [$0.server] } ?? []), ha)
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
