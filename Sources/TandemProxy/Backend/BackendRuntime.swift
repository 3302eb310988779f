import Logging
import NIOCore
import Synchronization
import TandemBalancing
import TandemConfig
import TandemHealth

/// A backend as the data plane uses it: its servers' addresses, its shared state (balancer, wait queue,
/// outlier detector) behind one lock used by every event loop, its timeouts and one idle-connection pool
/// per event loop.
///
/// The lock is held only for a pick, an acquire or a release (a few hundred nanoseconds), never across I/O;
/// decisions that wake other loops are delivered after it is released.
public final class BackendRuntime: Sendable {
    /// One server's fixed facts.
    public struct Server: Sendable {
        public let name: String
        public let address: SocketAddress
    }

    /// How a request ended on a server, for passive outlier detection.
    enum RequestOutcome {
        /// A response below 500 came back.
        case succeeded
        /// Connect failure, 5xx, timeout or a connection lost before the response ended; `reason` is
        /// logged if this failure ejects the server.
        case failed(reason: String)
        /// The client went away; says nothing about the server.
        case abandoned
    }

    /// What became of a request offered to the wait queue.
    enum Enqueued {
        /// A slot was free after all.
        case chosen(BackendState.Choice)
        /// It waits; its `resume` will be called exactly once unless it is cancelled first.
        case waiting
        /// The queue is at `max_queue` (or disabled).
        case full
    }

    public let name: String
    /// The event metrics' handles, when the stats listener is on.
    let metrics: ProxyMetrics.Backend?
    public let servers: [Server]
    /// The settings it was built from; a config reload keeps the backend when they are unchanged.
    let settings: BackendSettings
    let algorithm: BalancingAlgorithm
    let connectTimeout: TimeAmount
    let responseTimeout: TimeAmount
    /// A layer-4 tunnel's idle limit on the server's side (`timeouts.server`).
    let serverIdleTimeout: TimeAmount
    /// The PROXY header each new server connection starts with; its connections are then never pooled, since a
    /// header names one client.
    let sendProxy: ProxyProtocol.Version?
    let retries: Int
    let cookieName: String?
    let maxIdlePerServer: Int
    let idleTimeout: TimeAmount
    let maxQueue: Int
    let queueTimeout: TimeAmount
    let healthSettings: HealthCheckSettings?
    let outlierSettings: OutlierSettings
    let logger: Logger
    private let state: Mutex<BackendState>
    private let pools: [ObjectIdentifier: UpstreamPool]
    /// The loop that runs the outlier expiry timer.
    private let timerLoop: (any EventLoop)?
    let background = Mutex(BackgroundWork())

    /// Builds the runtime of one backend; `eventLoops` are the loops that will proxy to it. `seed` fixes the
    /// random choices of `random` and `least_loaded` (tests); nil seeds from the system generator.
    public init(
        settings: BackendSettings,
        eventLoops: [any EventLoop],
        logger: Logger = Logger(label: "tandem.proxy") { _ in SwiftLogNoOpLogHandler() },
        seed: UInt64? = nil,
        metrics: ProxyMetrics.Backend? = nil
    ) throws {
        self.metrics = metrics
        self.name = settings.name
        self.settings = settings
        self.servers = try settings.servers.map {
            Server(name: $0.name, address: try SocketAddress(ipAddress: $0.address.host, port: $0.address.port))
        }
        self.connectTimeout = TimeAmount(settings.timeouts.connect)
        self.responseTimeout = TimeAmount(settings.timeouts.response)
        self.serverIdleTimeout = TimeAmount(settings.timeouts.server)
        self.sendProxy = settings.sendProxy.map { ProxyProtocol.Version(rawValue: $0.rawValue)! }
        self.retries = settings.retries
        self.cookieName = settings.persistence?.cookie
        self.maxIdlePerServer = settings.pool.maxIdle
        self.idleTimeout = TimeAmount(settings.pool.idleTimeout)
        self.maxQueue = settings.maxConnections == nil ? 0 : settings.maxQueue
        self.queueTimeout = TimeAmount(settings.queueTimeout)
        self.healthSettings = settings.health
        self.outlierSettings = settings.outlier
        self.logger = logger
        var states = settings.servers.map {
            ServerState(name: $0.name, weight: $0.weight, maxConnections: settings.maxConnections)
        }
        for index in states.indices where settings.servers[index].isDisabled {
            states[index].admin = .disabled
        }
        let algorithm = BalancingAlgorithm(rawValue: settings.balance.rawValue) ?? .roundRobin
        self.algorithm = algorithm
        let balancer = BackendBalancer(
            name: settings.name,
            servers: states,
            algorithm: algorithm,
            seed: seed ?? UInt64.random(in: .min ... .max)
        )
        let outlier = settings.outlier
        let detector =
            outlier.isEnabled
            ? OutlierDetector(
                serverCount: states.count,
                consecutiveFailures: outlier.consecutiveFailures,
                baseEjection: outlier.baseEjection,
                maxEjection: outlier.maxEjection,
                maxEjectedPercent: outlier.maxEjectedPercent
            ) : nil
        self.state = Mutex(BackendState(balancer: balancer, outliers: detector, setsCookie: cookieName != nil))
        var pools: [ObjectIdentifier: UpstreamPool] = [:]
        for loop in eventLoops {
            pools[ObjectIdentifier(loop)] = UpstreamPool(
                eventLoop: loop,
                serverCount: settings.servers.count,
                maxIdlePerServer: settings.pool.maxIdle,
                idleTimeout: TimeAmount(settings.pool.idleTimeout)
            )
        }
        self.pools = pools
        self.timerLoop = eventLoops.first
    }

    /// Runs `body` with exclusive access to the balancer. Requests waiting in the queue are then given any
    /// slot the change freed (a server back up, enabled or weighted differently).
    public func withBalancer<Result>(_ body: (inout BackendBalancer) -> Result) -> Result {
        var grants: [(QueuedRequest, QueuedRequest.Outcome)] = []
        let result = state.withLock { state in
            let result = body(&state.balancer)
            grants = state.grantWaiters()
            return result
        }
        for (waiter, outcome) in grants { waiter.resume(outcome) }
        return result
    }

    /// Runs `body` on the whole shared state (a reload reads and seeds the outlier detector with it), then
    /// hands freed slots to waiters like ``withBalancer(_:)``.
    func withState<Result>(_ body: (inout BackendState) -> Result) -> Result {
        var grants: [(QueuedRequest, QueuedRequest.Outcome)] = []
        let result = state.withLock { state in
            let result = body(&state)
            grants = state.grantWaiters()
            return result
        }
        for (waiter, outcome) in grants { waiter.resume(outcome) }
        return result
    }

    // MARK: Per request

    /// Acquires a server for a request (the fast path: one lock, no allocation).
    func choose(pinned: Int?, key: BalancingKey, avoiding: Set<Int>) -> BackendState.Choice {
        state.withLock { $0.choose(pinned: pinned, key: key, avoiding: avoiding) }
    }

    /// After `choose` said `.allBusy`: tries again and, if still busy, queues `request` when there is room.
    func enqueue(_ request: QueuedRequest) -> Enqueued {
        let maxQueue = self.maxQueue
        return state.withLock { state in
            let choice = state.choose(pinned: request.pinned, key: request.key, avoiding: request.avoiding)
            guard case .allBusy = choice else { return .chosen(choice) }
            guard state.queue.count < maxQueue else { return .full }
            state.queue.append(request)
            return .waiting
        }
    }

    /// Takes `request` out of the queue; false when a decision for it is already on its way.
    func cancelWait(_ request: QueuedRequest) -> Bool {
        state.withLock { $0.cancel(request) }
    }

    /// Counts a request on `server` as finished, feeds the outlier detector and hands the freed slot to the
    /// oldest waiter.
    func release(_ server: Int, outcome: RequestOutcome) {
        var grants: [(QueuedRequest, QueuedRequest.Outcome)] = []
        let ejection = state.withLock { state -> OutlierDetector.Event? in
            state.balancer.release(server)
            var ejection: OutlierDetector.Event?
            switch outcome {
            case .succeeded:
                state.outliers?.recordSuccess(server: server)
            case .failed:
                ejection = state.outliers?.recordFailure(server: server, at: .now)
                if ejection != nil { state.balancer.setEjected(server, true) }
            case .abandoned:
                break
            }
            grants = state.grantWaiters()
            return ejection
        }
        for (waiter, outcome) in grants { waiter.resume(outcome) }
        if let ejection, case .failed(let reason) = outcome { outlierEjected(ejection, lastFailure: reason) }
    }

    // MARK: Status

    /// The run-time state of every server, in configuration order.
    func statuses() -> [BackendStatus] {
        let states = state.withLock { $0.balancer.servers }
        let checker = background.withLock { $0.checker }
        return servers.indices.map { index in
            let (server, state) = (servers[index], states[index])
            return BackendStatus(
                backend: name,
                server: server.name,
                address: "\(server.address.ipAddress ?? "?"):\(server.address.port ?? 0)",
                weight: state.weight,
                health: state.health,
                admin: state.admin,
                inFlight: state.inFlight,
                isEjected: state.isEjected,
                lastCheck: checker?.lastOutcome(of: index)
            )
        }
    }

    /// Requests waiting in the queue now.
    public var queuedRequests: Int {
        state.withLock { $0.queue.count }
    }

    // MARK: Pools

    /// The idle-connection pool of `eventLoop`.
    func pool(for eventLoop: any EventLoop) -> UpstreamPool? {
        pools[ObjectIdentifier(eventLoop)]
    }

    /// Closes every idle pooled connection and pools none from now on (a reload replaced this backend).
    func retirePools() {
        for pool in pools.values {
            pool.eventLoop.execute { pool.retire() }
        }
    }

    /// Closes every idle pooled connection (at shutdown).
    func closeIdleConnections() {
        for pool in pools.values {
            pool.eventLoop.execute { pool.closeAll() }
        }
    }

    var expiryLoop: (any EventLoop)? { timerLoop }

    /// Reads the outlier detector's next expiry.
    var nextOutlierExpiry: ContinuousClock.Instant? {
        state.withLock { $0.outliers?.nextExpiry }
    }

    /// Ends ejections that are due, putting their servers back in rotation.
    func expireOutliers(at now: ContinuousClock.Instant) -> [OutlierDetector.Event] {
        var grants: [(QueuedRequest, QueuedRequest.Outcome)] = []
        let events = state.withLock { state -> [OutlierDetector.Event] in
            let events = state.outliers?.expire(at: now) ?? []
            for case .restored(let server) in events { state.balancer.setEjected(server, false) }
            grants = state.grantWaiters()
            return events
        }
        for (waiter, outcome) in grants { waiter.resume(outcome) }
        return events
    }
}

extension TimeAmount {
    /// The same span as a Swift `Duration`, to nanosecond precision.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
