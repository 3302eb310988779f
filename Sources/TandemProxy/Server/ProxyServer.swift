import Logging
import NIOCore
import NIOExtras
import NIOPosix
import ServiceLifecycle
import Synchronization
import TandemConfig
import TandemNIOSupport
import TandemTLS

/// The data plane of one node as a service: it binds every frontend (`http` and `tcp`), serves until
/// graceful shutdown, then stops accepting, lets in-flight requests finish up to the drain deadline,
/// and closes what is left. ``reload(to:)`` swaps in a new configuration while it serves.
public final class ProxyServer: Service, Sendable {
    /// The frontends in force; connections keep the ones that accepted them across a reload.
    public var frontends: [FrontendRuntime] { world.withLock { $0.frontends } }
    /// The backends in force, in configuration order.
    public var backends: [BackendRuntime] { world.withLock { $0.backends } }
    /// The event metrics, when the stats listener is on.
    let metrics: ProxyMetrics?
    let group: any EventLoopGroup
    let logger: Logger
    let balancerSeed: UInt64?
    /// The configuration in force and the runtimes built from it; a reload swaps it whole.
    let world: Mutex<World>
    /// The listeners, each with its frontend slot and the helper that drains its connections.
    let listeners = Mutex<[Listener]>([])
    /// Listeners a reload removed whose connections are still draining, by channel; shutdown waits for them too.
    let retiredListeners = Mutex<[ObjectIdentifier: Listener]>([:])
    /// Backends a reload replaced or removed that still serve requests accepted before it.
    let retiredBackends = Mutex<[BackendRuntime]>([])
    /// Access logs a reload stopped using (a frontend removed, or its `log:` changed): still written by the
    /// connections accepted before, closed once those have had the drain timeout to finish, or at the drain.
    let retiredAccessLogs = Mutex<[AccessLog]>([])
    /// Set while a reload runs; a second one is refused rather than interleaved.
    let reloading = Atomic<Bool>(false)

    /// - Parameter balancerSeed: Fixes the random choices of `random` and `least_loaded` (each backend gets
    ///   the seed plus its position), for reproducible tests; nil seeds from the system generator.
    public init(
        configuration: TandemConfiguration,
        group: any EventLoopGroup,
        logger: Logger,
        balancerSeed: UInt64? = nil,
        metrics: ProxyMetrics? = nil
    ) throws {
        let loops = Array(group.makeIterator())
        let backends = try configuration.backends.enumerated().map { position, settings in
            try BackendRuntime(
                settings: settings,
                eventLoops: loops,
                logger: logger,
                seed: balancerSeed.map { $0 &+ UInt64(position) },
                metrics: metrics?.backend(named: settings.name)
            )
        }
        let frontends = try configuration.frontends.map { settings in
            let accessLog = try settings.log.map {
                try AccessLog(frontend: settings.name, settings: $0, eventLoops: loops, logger: logger)
            }
            return try FrontendRuntime(
                settings: settings,
                backends: backends,
                tls: settings.tls.map { try TLSContext(settings: $0) },
                accessLog: accessLog,
                metrics: metrics?.frontend(named: settings.name)
            )
        }
        self.world = Mutex(World(configuration: configuration, frontends: frontends, backends: backends))
        self.metrics = metrics
        self.group = group
        self.logger = logger
        self.balancerSeed = balancerSeed
    }

    /// The addresses the listeners are bound to (ports resolved when the configuration said 0).
    public var boundAddresses: [SocketAddress] {
        listeners.withLock { $0.compactMap(\.channel.localAddress) }
    }

    /// Starts the backends' active health checks (every server starts UP), then binds every frontend.
    /// Listeners bind with IP_FREEBIND (IPV6_FREEBIND for IPv6), so a standby node can listen on a VIP it does
    /// not hold yet and serves as soon as the address arrives, with health state already warm.
    public func start() async throws {
        for backend in backends { backend.startHealthChecks(on: group.next()) }
        for frontend in frontends { frontend.accessLog?.start() }
        for frontend in frontends {
            let listener = try await bind(frontend)
            listeners.withLock { $0.append(listener) }
            let channel = listener.channel
            logger.info(
                "frontend listening",
                metadata: ["frontend": "\(frontend.name)", "address": "\(channel.localAddress.map { "\($0)" } ?? "?")"]
            )
        }
    }

    public func run() async throws {
        if listeners.withLock({ $0.isEmpty }) { try await start() }
        try? await gracefulShutdown()
        await drain()
    }

    /// Stops accepting, waits for in-flight exchanges up to the drain deadline, then closes the rest.
    public func drain() async {
        let drainTimeout = TimeAmount(world.withLock { $0.configuration.node.drainTimeout })
        logger.info("draining", metadata: ["deadline": "\(drainTimeout)"])
        let loop = group.next()
        // The deadline's future succeeds when it fires and fails when the drain cancels it first.
        let deadline = loop.scheduleTask(in: drainTimeout) {}
        let retired = retiredListeners.withLock { $0.values.map(\.quiesce) }
        let helpers =
            listeners.withLock { listeners in
                defer { listeners.removeAll() }
                return listeners.map(\.quiesce)
            } + retired
        let drained = helpers.map { helper in
            let promise = loop.makePromise(of: Void.self)
            helper.initiateShutdown(promise: promise)
            return promise.futureResult
        }
        EventLoopFuture.andAllComplete(drained, on: loop).whenComplete { _ in deadline.cancel() }
        let timedOut = (try? await deadline.futureResult.get()) != nil
        for backend in backends {
            await backend.stopBackgroundWork()
            backend.closeIdleConnections()
        }
        if timedOut {
            logger.warning("drain deadline reached; closing the remaining connections")
        } else {
            logger.info("drained")
        }
        for frontend in frontends { await frontend.accessLog?.close() }
        for log in retiredAccessLogs.withLock({ logs in
            defer { logs.removeAll() }
            return logs
        }) { await log.close() }
    }

    /// Binds `frontend`'s address; the listener serves whatever frontend its slot holds when a client connects.
    /// Without `accepting` it accepts nothing until told to (`autoRead`), so a reload can bind first and still
    /// fail without having served anyone from a configuration that never came into force.
    func bind(_ frontend: FrontendRuntime, accepting: Bool = true) async throws -> Listener {
        let logger = self.logger
        let quiesce = ServerQuiescingHelper(group: group)
        let slot = FrontendSlot(frontend)
        var bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            // Accepts per wake-up (HAProxy's tune.maxaccept): with the default 4, a burst of a thousand clients waits
            // hundreds of loop turns in the backlog, its first requests with it.
            .serverChannelOption(.maxMessagesPerRead, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.autoRead, value: accepting)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // First: out of descriptors accept fails at once, and the listener must pause, not spin.
                    try channel.pipeline.syncOperations.addHandlers(
                        AcceptPauseHandler { error in
                            logger.warning(
                                "accepting paused",
                                metadata: ["frontend": "\(slot.frontend.name)", "error": "\(error)"]
                            )
                        },
                        ConnectionLimitHandler(limit: frontend.maxConnections),
                        quiesce.makeServerChannelHandler(channel: channel)
                    )
                }
            }
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            // Bodies stream through without a pause every 64 KiB; memory per connection stays bounded by these.
            .childChannelOption(.writeBufferWaterMark, value: ClientConnectionHandler.writeBufferWaterMark)
            // NIO keeps each connection's receive buffer between reads: start small, most request heads fit in 1 KiB.
            .childChannelOption(.recvAllocator, value: ClientConnectionHandler.clientReceiveBuffer)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let frontend = slot.frontend
                    frontend.clientConnections.register(channel)
                    if frontend.mode == .tcp {
                        // A client's end of input is passed on to the server as a half-close, not taken as the end.
                        try channel.syncOptions?.setOption(.allowRemoteHalfClosure, value: true)
                    }
                    let pipeline = channel.pipeline.syncOperations
                    if frontend.acceptProxy {
                        // Before TLS: the balancer in front writes the header in the clear.
                        try pipeline.addHandler(ProxyProtocolReceiver(timeout: frontend.headerTimeout))
                    }
                    if let tls = frontend.tls {
                        try addTLSServerHandler(to: pipeline, context: tls)
                    }
                    if frontend.mode == .http, frontend.speaksHTTP2 {
                        // Before the engine: it swaps the engine for the HTTP/2 pipeline when the client chose h2.
                        let negotiation: HTTP2ProtocolSelector.Negotiation =
                            frontend.tls == nil ? .priorKnowledge : .alpn
                        try pipeline.addHandler(
                            HTTP2ProtocolSelector(frontend: frontend, logger: logger, negotiation: negotiation)
                        )
                    }
                    switch frontend.mode {
                    case .http: try pipeline.addHandler(ClientConnectionHandler(frontend: frontend, logger: logger))
                    case .tcp: try pipeline.addHandler(TCPFrontendHandler(frontend: frontend, logger: logger))
                    }
                }
            }
        switch frontend.bindAddress {
        case .v4:
            bootstrap = bootstrap.serverChannelOption(.ipOption(.init(rawValue: ipFreebind)), value: 1)
        case .v6:
            // Without it an IPv6 listener on a VIP the node does not hold fails with EADDRNOTAVAIL.
            bootstrap = bootstrap.serverChannelOption(ipv6Freebind, value: 1)
        case .unixDomainSocket:
            break
        }
        let channel = try await bootstrap.bind(to: frontend.bindAddress).get()
        return Listener(address: frontend.bindAddress, channel: channel, quiesce: quiesce, slot: slot)
    }
}

/// `IP_FREEBIND` from <linux/in.h>, which Glibc's module does not export.
private let ipFreebind: Int32 = 15

/// `IPV6_FREEBIND` (SOL_IPV6, 78, Linux 4.15) from <linux/in6.h>, which Glibc's module does not export.
private let ipv6Freebind = ChannelOptions.Types.SocketOption(level: .ipv6, name: .init(rawValue: 78))
