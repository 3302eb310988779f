import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import TandemConfig
import TandemHA
import TandemNetlink

#if canImport(Glibc)
import Glibc
#endif

/// The HA half of the daemon, built from the `ha:` section: the heartbeat service, the VIP controller (a client
/// of the VIP helper) and one tracker per `track: - gateway:`.
///
/// ``start(node:ha:group:logger:)`` does everything that can fail with a configuration or environment error
/// (key file, helper socket, heartbeat address) before any service runs, so the daemon refuses to start with a
/// clear message instead of failing half-way. ``services`` go into the daemon's `ServiceGroup` after the proxy:
/// shutdown runs in reverse, so on SIGTERM the node first releases its VIPs and sends a FAULT heartbeat (the
/// peer claims at once), and only then does the proxy drain.
public final class HARuntime: Sendable {
    /// The heartbeat service (status, admin commands, track events).
    public let heartbeat: HeartbeatService
    /// The VIP controller and helper-connection watcher.
    public let vipController: HelperVIPController
    /// The gateway trackers.
    public let gatewayTrackers: [GatewayTracker]
    /// The heartbeat log (`ha.log`); the daemon reopens it on SIGHUP.
    public let eventLog: HAEventLog
    /// The one-thread event loop group of the heartbeat service, its timers and the helper connection: never
    /// shared with the proxy, so a stall on the data plane cannot delay a heartbeat.
    public let eventLoopGroup: MultiThreadedEventLoopGroup
    private let vips: [(address: String, interface: String, group: String)]
    private let keyFile: String
    private let logger: Logger
    /// Whether the config declares `ha.groups` (status, handover and logs then name the groups).
    public let declaresGroups: Bool

    private init(
        heartbeat: HeartbeatService,
        vipController: HelperVIPController,
        gatewayTrackers: [GatewayTracker],
        eventLog: HAEventLog,
        eventLoopGroup: MultiThreadedEventLoopGroup,
        vips: [(address: String, interface: String, group: String)],
        keyFile: String,
        logger: Logger,
        declaresGroups: Bool
    ) {
        self.declaresGroups = declaresGroups
        self.heartbeat = heartbeat
        self.vipController = vipController
        self.gatewayTrackers = gatewayTrackers
        self.eventLog = eventLog
        self.eventLoopGroup = eventLoopGroup
        self.vips = vips
        self.keyFile = keyFile
        self.logger = logger
    }

    /// Loads the key file and the state file, connects to the VIP helper (retrying for `helperWait`), binds the
    /// heartbeat socket, all on an event loop group of its own.
    /// - Throws: ``HAStartError`` naming the file, socket or address at fault.
    public static func start(
        node: NodeSettings,
        ha: HASettings,
        logger: Logger,
        helperWait: Duration = .seconds(5),
        metrics: MetricsCollector? = nil
    ) async throws(HAStartError) -> HARuntime {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            return try await start(
                node: node,
                ha: ha,
                group: group,
                logger: logger,
                helperWait: helperWait,
                metrics: metrics
            )
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private static func start(
        node: NodeSettings,
        ha: HASettings,
        group: MultiThreadedEventLoopGroup,
        logger: Logger,
        helperWait: Duration,
        metrics: MetricsCollector?
    ) async throws(HAStartError) -> HARuntime {
        if let offset = getenv("TANDEM_DEBUG_WALL_CLOCK_OFFSET").flatMap({ Int64(String(cString: $0)) }) {
            HAClocks.wallClockOffset.store(offset * 1_000_000_000, ordering: .relaxed)
            logger.warning("TANDEM_DEBUG_WALL_CLOCK_OFFSET: the wall clock reads \(offset) s off")
        }
        let stateFile: HAStateFile
        do {
            stateFile = try HAStateFile.begin(
                directory: node.stateDirectory,
                node: node.name,
                wallSeconds: HAClocks.wall() / 1_000_000_000
            )
        } catch {
            throw HAStartError("node.state_directory: \(error)")
        }
        let keyring: HeartbeatKeyring
        do {
            keyring = try HeartbeatKeyring.load(path: ha.keyFile)
        } catch {
            throw HAStartError(error.description)
        }
        var bindingsByGroup: [String: [VIPBinding]] = [:]
        for group in ha.groups {
            bindingsByGroup[group.name] = try group.vips.map { settings throws(HAStartError) in
                guard let vip = VIP(parsing: settings.address.description) else {
                    throw HAStartError("ha.vips: \(settings.address) is not a valid VIP")
                }
                return VIPBinding(vip: vip, interface: settings.interface)
            }
        }
        let bindings = ha.groups.flatMap { bindingsByGroup[$0.name] ?? [] }
        let listen: SocketAddress
        let peers: [SocketAddress]
        do {
            listen = try SocketAddress(ipAddress: ha.listen.host, port: ha.listen.port)
            peers = try ha.peers.map { try SocketAddress(ipAddress: $0.host, port: $0.port) }
        } catch {
            throw HAStartError("ha.listen/ha.peers: \(error)")
        }
        let helperPath = ha.helperSocketPath
        let connect: HelperVIPController.Connect = {
            try await VIPHelperClient.connect(socketPath: helperPath, group: group)
        }
        let client = try await connectWithRetry(connect, path: helperPath, wait: helperWait, logger: logger)
        let vipController = HelperVIPController(bindings: bindings, client: client, connect: connect, logger: logger)

        var backendPenalty = 0
        var gateways: [GatewayTrack] = []
        for track in ha.track {
            switch track {
            case .gateway(let gateway): gateways.append(gateway)
            case .backends(let penalty): backendPenalty = penalty
            }
        }
        let machine = HeartbeatService.Machine.Configuration(
            nodeName: node.name,
            priority: ha.priority,
            interval: ha.interval,
            deadAfter: ha.deadAfter,
            preempt: ha.preempt,
            preemptDelay: ha.preemptDelay,
            backendPenalty: backendPenalty
        )
        let eventLog = HAEventLog(node: node.name, path: ha.logPath, logger: logger)
        vipController.recordEvents(to: eventLog)
        if let metrics { vipController.observeCallDurations { metrics.observeVIPCall($0) } }
        // TANDEM_HA_SUMMARY_INTERVAL (e.g. `1s`) shortens the 10 s summary period for end-to-end tests.
        let summaryInterval = getenv("TANDEM_HA_SUMMARY_INTERVAL").flatMap {
            Duration(configString: String(cString: $0))
        }
        let roundTripObserver: (@Sendable (Duration) -> Void)?
        if let metrics {
            roundTripObserver = { metrics.observeRoundTrip($0) }
        } else {
            roundTripObserver = nil
        }
        let heartbeat = HeartbeatService(
            configuration: .init(
                machine: machine,
                listen: listen,
                peers: peers,
                keyring: keyring,
                // Late beyond twice the dead window, a heartbeat is worse than none; 1 s absorbs scheduling noise.
                freshnessWindow: max(.seconds(1), ha.interval * ha.deadAfter * 2),
                summaryInterval: summaryInterval ?? .seconds(10),
                stateFile: stateFile,
                observeRoundTrip: roundTripObserver,
                groups: serviceGroups(ha)
            ),
            vipControllers: { name -> any VIPController in
                guard ha.declaredGroups != nil else { return vipController }
                return vipController.group(name, bindings: bindingsByGroup[name] ?? [])
            },
            group: group,
            logger: logger,
            eventLog: eventLog
        )
        do {
            try await heartbeat.bind()
        } catch {
            await client.close()
            throw HAStartError("ha.listen \(ha.listen): cannot bind the heartbeat socket: \(error)")
        }
        vipController.onConnectionChange { [heartbeat] ok in
            heartbeat.deliver(.track("vip-helper", ok: ok))
            if ok { heartbeat.helperReconnected() }
        }
        let trackers = gateways.map { gateway in
            GatewayTracker(settings: gateway, logger: logger) { [heartbeat] name, ok in
                heartbeat.deliver(.track(name, ok: ok))
            }
        }
        logger.notice(
            "HA started",
            metadata: [
                "listen": "\(ha.listen)", "peers": "\(ha.peers.map(\.description).joined(separator: ","))",
                "interval": "\(ha.interval)", "dead_after": "\(ha.deadAfter)", "priority": "\(ha.priority)",
                "keys": "\(keyring.keys.count)", "helper": "\(helperPath)", "epoch": "\(stateFile.epoch)",
            ]
        )
        return HARuntime(
            heartbeat: heartbeat,
            vipController: vipController,
            gatewayTrackers: trackers,
            eventLog: eventLog,
            eventLoopGroup: group,
            vips: ha.groups.flatMap { group in
                group.vips.map { ($0.address.description, $0.interface, group.name) }
            },
            keyFile: ha.keyFile,
            logger: logger,
            declaresGroups: ha.declaredGroups != nil
        )
    }

    /// The heartbeat service's groups: none for the single-group form (its implicit group), else each declared.
    static func serviceGroups(_ ha: HASettings) -> [HeartbeatService.Group] {
        (ha.declaredGroups ?? []).map {
            HeartbeatService.Group(
                name: $0.name,
                priority: $0.priority,
                preempt: $0.preempt,
                preemptDelay: $0.preemptDelay
            )
        }
    }

    /// Re-reads the key file (SIGHUP, `tandem reload`): a good file replaces the keys at once; a bad one
    /// changes nothing and says why. Returns the sentence for the reload report.
    @discardableResult
    public func reloadKeys() -> (ok: Bool, message: String) {
        do {
            let keyring = try HeartbeatKeyring.load(path: keyFile)
            heartbeat.replaceKeyring(keyring)
            let ids = keyring.keys.map { String($0.id) }.joined(separator: ", ")
            let message = "heartbeat keys: \(keyFile) re-read: keys \(ids), key \(keyring.signingKey.id) signs"
            eventLog.record(.notice(.keysReloaded, reason: message, ok: true, node: eventLog.node))
            return (true, message)
        } catch {
            eventLog.record(.notice(.keysReloaded, ok: false, error: error.description, node: eventLog.node))
            return (false, "heartbeat keys: \(error.description); the old keys stay in force")
        }
    }

    /// The services in start order (helper watcher, trackers, heartbeat); shutdown runs in reverse, so the
    /// heartbeat stops first (release, FAULT heartbeat) and the helper connection closes last.
    public var services: [any Service] {
        [vipController] + gatewayTrackers.map { $0 as any Service } + [HeartbeatLifecycle(heartbeat: heartbeat)]
    }

    /// The HA part of `tandem status`.
    public func statusReport() -> HAStatusReport {
        HAStatusReport(status: heartbeat.status(), vips: vips, declaresGroups: declaresGroups)
    }

    /// The seam for backend health: call with false when every local backend is down (the node's priority then
    /// drops by the `track: - backends:` penalty), true when one is up again. Cheap and idempotent.
    public func backendsHealthChanged(_ healthy: Bool) {
        heartbeat.deliver(.backendsHealthy(healthy))
    }

    private static func connectWithRetry(
        _ connect: HelperVIPController.Connect,
        path: String,
        wait: Duration,
        logger: Logger
    ) async throws(HAStartError) -> VIPHelperClient {
        let deadline = ContinuousClock.now.advanced(by: wait)
        var lastError = ""
        var attempts = 0
        while attempts < 1000 {
            attempts += 1
            do {
                return try await connect()
            } catch {
                lastError = "\(error)"
                if attempts == 1 { logger.info("waiting for the VIP helper at \(path)") }
            }
            if ContinuousClock.now >= deadline { break }
            try? await Task.sleep(for: .milliseconds(100))
        }
        throw HAStartError(
            "ha.helper \(path): cannot connect to the VIP helper after \(attempts) attempts (\(lastError)); "
                + "is `tandem vip-helper --socket \(path)` running, and may this user open the socket?"
        )
    }
}
