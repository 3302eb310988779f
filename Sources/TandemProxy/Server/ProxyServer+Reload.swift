import Logging
import NIOCore
import NIOExtras
import TandemBalancing
import TandemConfig
import TandemHealth
import TandemTLS

extension ProxyServer {
    /// The configuration in force and the runtimes built from it.
    struct World: Sendable {
        var configuration: TandemConfiguration
        var frontends: [FrontendRuntime]
        var backends: [BackendRuntime]
    }

    /// Why a reload changed nothing; equal by code, the message names the frontend, backend or file at fault.
    public struct ReloadError: Error, Sendable, Equatable, CustomStringConvertible {
        public enum Code: Sendable, Equatable {
            /// Another reload is running; try again when it is done.
            case busy
            /// A file the configuration names (a certificate, ticket keys) or an address is unusable.
            case unusable
            /// A new listening address could not be bound (in use, not permitted).
            case cannotBind
        }

        public let code: Code
        public let message: String
        public let file: String
        public let line: Int

        init(_ code: Code, _ message: String, file: String = #fileID, line: Int = #line) {
            self.code = code
            self.message = message
            self.file = file
            self.line = line
        }

        public var description: String { message }

        public static func == (lhs: ReloadError, rhs: ReloadError) -> Bool {
            lhs.code == rhs.code
        }
    }

    /// How long a connection accepted before a reload may stay idle before it is closed. Busy connections end
    /// after their next response (`Connection: close`) and clients reconnect into the new configuration; an idle
    /// one is closed only after this grace, because closing a keep-alive connection the instant its client
    /// reuses it loses that request (the race every keep-alive timeout has, made rare here).
    static let reloadIdleGrace: TimeAmount = .seconds(1)

    /// Swaps in `configuration` (already validated by `ConfigLoader`) without dropping a connection, and returns
    /// what changed. On error nothing changed.
    ///
    /// Everything that can fail happens first: new runtimes are built (unchanged backends and frontends are kept
    /// as they are), TLS files read, new addresses bound (not yet accepting). Then, in one step under the lock
    /// that `setServerState` also takes, each replaced backend hands its servers' run-time state to its successor
    /// (see ``BackendRuntime/adopt(_:)`` for the rule), the TLS files go into force, and the listeners' slots
    /// point at the new frontends. Listeners whose address stays keep accepting throughout; removed ones stop
    /// and drain. Connections accepted before finish on the runtimes they started with and end after their next
    /// response. Node and HA settings other than `drain_timeout` are the caller's (see ``ConfigDiff``).
    public func reload(to configuration: TandemConfiguration) async throws(ReloadError) -> ConfigDiff {
        guard !reloading.exchange(true, ordering: .acquiring) else {
            throw ReloadError(.busy, "a reload is already in progress")
        }
        defer { reloading.store(false, ordering: .releasing) }
        let old = world.withLock { $0 }
        let diff = ConfigDiff(from: old.configuration, to: configuration)
        var plan = try makePlan(configuration, replacing: old)
        try await bindNewAddresses(&plan)
        // Nothing fails from here on. Replaced backends stop checking first, so no transition falls between
        // reading their state and the swap.
        var counters: [ObjectIdentifier: [String: HealthCounter]] = [:]
        for (previous, _) in plan.replaced { counters[ObjectIdentifier(previous)] = await previous.stopForReload() }
        for previous in plan.removedBackends { await previous.stopBackgroundWork() }
        let initial = commit(plan, counters: counters)
        finish(plan, initialCounters: initial)
        logger.notice("configuration reloaded", metadata: ["changes": "\(diff.summary.joined(separator: "; "))"])
        return diff
    }

    /// What a reload builds before anything is in force.
    private struct Plan: Sendable {
        var world: World
        /// Backends whose settings changed, with their successors.
        var replaced: [(previous: BackendRuntime, successor: BackendRuntime)] = []
        var addedBackends: [BackendRuntime] = []
        var removedBackends: [BackendRuntime] = []
        /// Frontends in force now that the new world does not keep: their connections wind down.
        var retiredFrontends: [FrontendRuntime] = []
        /// TLS files read for contexts that live on, put in force at the swap.
        var tls: [(frontend: String, context: TLSContext, staged: TLSContext.Staged)] = []
        /// Listeners that stay, with the frontend their slot gets.
        var kept: [(listener: Listener, frontend: FrontendRuntime)] = []
        /// Frontends on an address with no listener yet.
        var toBind: [FrontendRuntime] = []
        /// Their listeners, bound but not accepting until the swap.
        var bound: [Listener] = []
        var retiredListeners: [Listener] = []
    }

    private func makePlan(_ configuration: TandemConfiguration, replacing old: World) throws(ReloadError) -> Plan {
        let loops = Array(group.makeIterator())
        let inForce = ConfigDiff.inForce(configuration, over: old.configuration)
        var plan = Plan(world: World(configuration: inForce, frontends: [], backends: []))
        for (position, settings) in configuration.backends.enumerated() {
            let previous = old.backends.first { $0.name == settings.name }
            if let previous, previous.settings == settings {
                plan.world.backends.append(previous)
                continue
            }
            let backend: BackendRuntime
            do {
                backend = try BackendRuntime(
                    settings: settings,
                    eventLoops: loops,
                    logger: logger,
                    seed: balancerSeed.map { $0 &+ UInt64(position) },
                    metrics: metrics?.backend(named: settings.name)
                )
            } catch {
                throw ReloadError(.unusable, "backend \(settings.name): \(error)")
            }
            plan.world.backends.append(backend)
            if let previous { plan.replaced.append((previous, backend)) } else { plan.addedBackends.append(backend) }
        }
        plan.removedBackends = old.backends.filter { backend in
            !plan.world.backends.contains { $0.name == backend.name }
        }
        for settings in configuration.frontends {
            plan.world.frontends.append(try makeFrontend(settings, previous: old.frontends, plan: &plan))
        }
        plan.retiredFrontends = old.frontends.filter { frontend in !plan.world.frontends.contains { $0 === frontend } }
        let current = listeners.withLock { $0 }
        for frontend in plan.world.frontends {
            if let listener = current.first(where: { $0.address == frontend.bindAddress }) {
                plan.kept.append((listener, frontend))
            } else {
                plan.toBind.append(frontend)
            }
        }
        plan.retiredListeners = current.filter { listener in
            !plan.world.frontends.contains { $0.bindAddress == listener.address }
        }
        return plan
    }

    /// The frontend for `settings`: the one in force when nothing it depends on changed, else a new one that
    /// keeps the previous TLS context (staged with the new files) so ticket keys and statistics live on.
    private func makeFrontend(
        _ settings: FrontendSettings,
        previous frontends: [FrontendRuntime],
        plan: inout Plan
    ) throws(ReloadError) -> FrontendRuntime {
        let previous = frontends.first { $0.name == settings.name }
        let routed = FrontendRuntime.backendNames(settings).map { name in
            plan.world.backends.first { $0.name == name }!
        }
        var context: TLSContext?
        if let tls = settings.tls {
            do {
                if let existing = previous?.tls {
                    // Certificate files may have changed on disk even when the settings did not.
                    plan.tls.append((settings.name, existing, try existing.stage(tls)))
                    context = existing
                } else {
                    context = try TLSContext(settings: tls)
                }
            } catch {
                throw ReloadError(.unusable, "frontend \(settings.name): \(error)")
            }
        }
        if let previous, previous.settings == settings, previous.backends.count == routed.count,
            zip(previous.backends, routed).allSatisfy({ $0 === $1 })
        {
            return previous
        }
        do {
            // The access log carries over when its settings do (its file stays open); a new or changed one opens.
            let accessLog: AccessLog?
            if let previous, previous.settings.log == settings.log {
                accessLog = previous.accessLog
            } else {
                accessLog = try settings.log.map {
                    try AccessLog(
                        frontend: settings.name,
                        settings: $0,
                        eventLoops: Array(group.makeIterator()),
                        logger: logger
                    )
                }
                accessLog?.start()
            }
            let frontend = try FrontendRuntime(
                settings: settings,
                backends: plan.world.backends,
                tls: context,
                accessLog: accessLog,
                metrics: metrics?.frontend(named: settings.name)
            )
            if let previous { frontend.clientConnections.continueCount(from: previous.clientConnections) }
            return frontend
        } catch {
            throw ReloadError(.unusable, "frontend \(settings.name): \(error)")
        }
    }

    private func bindNewAddresses(_ plan: inout Plan) async throws(ReloadError) {
        for frontend in plan.toBind {
            do {
                plan.bound.append(try await bind(frontend, accepting: false))
            } catch {
                for listener in plan.bound { try? await listener.channel.close() }
                throw ReloadError(
                    .cannotBind,
                    "frontend \(frontend.name): cannot bind \(frontend.settings.bind): \(error)"
                )
            }
        }
    }

    /// The swap, atomic with respect to `setServerState`; returns the health counters each successor starts with.
    private func commit(
        _ plan: Plan,
        counters: [ObjectIdentifier: [String: HealthCounter]]
    ) -> [ObjectIdentifier: [Int: HealthCounter]] {
        world.withLock { world in
            var initial: [ObjectIdentifier: [Int: HealthCounter]] = [:]
            for (previous, successor) in plan.replaced {
                let state = previous.runTimeState(counters: counters[ObjectIdentifier(previous)] ?? [:])
                initial[ObjectIdentifier(successor)] = successor.adopt(state)
            }
            for (_, context, staged) in plan.tls { context.commit(staged) }
            // A planned handover's keep-alive wind-down covers the new frontends too.
            let windingDown = world.frontends.contains { $0.clientConnections.closesKeepAlive }
            world = plan.world
            for (listener, frontend) in plan.kept where listener.slot.frontend !== frontend {
                if listener.slot.frontend.maxConnections != frontend.maxConnections {
                    let channel = listener.channel
                    let limit = frontend.maxConnections
                    channel.eventLoop.execute {
                        (try? channel.pipeline.syncOperations.handler(type: ConnectionLimitHandler.self))?.setLimit(
                            limit
                        )
                    }
                }
                listener.slot.replace(with: frontend)
            }
            let byAddress = plan.kept.map(\.listener) + plan.bound
            listeners.withLock { listeners in
                listeners = plan.world.frontends.compactMap { frontend in
                    byAddress.first { $0.address == frontend.bindAddress }
                }
            }
            retiredListeners.withLock { retired in
                for listener in plan.retiredListeners { retired[ObjectIdentifier(listener.channel)] = listener }
            }
            if windingDown {
                for frontend in plan.world.frontends where !frontend.clientConnections.closesKeepAlive {
                    frontend.clientConnections.setClosesKeepAlive(true)
                }
            }
            return initial
        }
    }

    /// Closes the access logs of `retired` frontends that no frontend of `world` writes, once the connections that
    /// still write them have had the reload's idle grace and the drain timeout to end; a line logged later is
    /// dropped and counted, as on a full disk.
    private func retireAccessLogs(of retired: [FrontendRuntime], keeping world: World) {
        let kept = Set(world.frontends.compactMap { $0.accessLog.map(ObjectIdentifier.init) })
        let unused = retired.compactMap(\.accessLog).filter { !kept.contains(ObjectIdentifier($0)) }
        guard !unused.isEmpty else { return }
        retiredAccessLogs.withLock { $0 += unused }
        let ids = Set(unused.map(ObjectIdentifier.init))
        let delay = Self.reloadIdleGrace + TimeAmount(world.configuration.node.drainTimeout)
        group.next().scheduleTask(in: delay) { [self] in
            let due = retiredAccessLogs.withLock { logs in
                defer { logs.removeAll { ids.contains(ObjectIdentifier($0)) } }
                return logs.filter { ids.contains(ObjectIdentifier($0)) }
            }
            Task { for log in due { await log.close() } }
        }
    }

    /// After the swap: new listeners accept, new checks start, and what the new world dropped winds down.
    private func finish(_ plan: Plan, initialCounters: [ObjectIdentifier: [Int: HealthCounter]]) {
        for listener in plan.bound {
            listener.channel.setOption(.autoRead, value: true).whenFailure { [logger] error in
                logger.error("a new listener cannot accept: \(error)", metadata: ["address": "\(listener.address)"])
            }
            logger.info(
                "frontend listening",
                metadata: [
                    "frontend": "\(listener.slot.frontend.name)",
                    "address": "\(listener.channel.localAddress.map { "\($0)" } ?? "?")",
                ]
            )
        }
        for (frontend, context, _) in plan.tls {
            logger.notice(
                "TLS certificates and ticket keys reloaded",
                metadata: ["frontend": "\(frontend)", "certificates": "\(context.certificateNames)"]
            )
        }
        for (_, successor) in plan.replaced {
            successor.startHealthChecks(on: group.next(), initial: initialCounters[ObjectIdentifier(successor)] ?? [:])
        }
        for backend in plan.addedBackends { backend.startHealthChecks(on: group.next()) }
        let retired = plan.replaced.map(\.previous) + plan.removedBackends
        for backend in retired { backend.retirePools() }
        retiredBackends.withLock { backends in
            backends.removeAll(where: \.isFinished)
            backends += retired
        }
        for frontend in plan.retiredFrontends { frontend.clientConnections.closeAfterNextResponse() }
        retireAccessLogs(of: plan.retiredFrontends, keeping: plan.world)
        if !plan.retiredFrontends.isEmpty {
            let retired = plan.retiredFrontends
            group.next().scheduleTask(in: Self.reloadIdleGrace) {
                for frontend in retired { frontend.clientConnections.closeWhenIdle() }
            }
        }
        for listener in plan.retiredListeners {
            logger.info("frontend address removed: draining", metadata: ["address": "\(listener.address)"])
            let promise = listener.channel.eventLoop.makePromise(of: Void.self)
            let id = ObjectIdentifier(listener.channel)
            promise.futureResult.whenComplete { [self] _ in
                _ = retiredListeners.withLock { $0.removeValue(forKey: id) }
            }
            listener.quiesce.initiateShutdown(promise: promise)
        }
    }

    /// `statuses` with the requests still in flight on the same server in backends a reload replaced, so a
    /// drain (`tandem server drain --wait`) waits for those too. Forgets retired backends with nothing in flight.
    func countingRetiredRequests(_ statuses: [BackendStatus]) -> [BackendStatus] {
        let retired = retiredBackends.withLock { retired in
            retired.removeAll(where: \.isFinished)
            return retired
        }
        guard !retired.isEmpty else { return statuses }
        var inFlight: [String: Int] = [:]
        for status in retired.flatMap({ $0.statuses() }) {
            inFlight["\(status.backend)/\(status.server)", default: 0] += status.inFlight
        }
        return statuses.map { status in
            var status = status
            status.inFlight += inFlight["\(status.backend)/\(status.server)"] ?? 0
            return status
        }
    }
}
