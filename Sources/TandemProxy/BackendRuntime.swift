import NIOCore
import Synchronization
import TandemBalancing
import TandemConfig

/// A backend as the data plane uses it: its servers' addresses, its balancer behind a lock shared by
/// every event loop, its timeouts and one idle-connection pool per event loop.
///
/// The lock is held only for a pick, an acquire or a release (a few hundred nanoseconds), never across I/O.
public final class BackendRuntime: Sendable {
    /// One server's fixed facts.
    public struct Server: Sendable {
        public let name: String
        public let address: SocketAddress
    }

    public let name: String
    public let servers: [Server]
    let connectTimeout: TimeAmount
    let responseTimeout: TimeAmount
    let retries: Int
    let cookieName: String?
    let maxIdlePerServer: Int
    let idleTimeout: TimeAmount
    private let balancer: Mutex<BackendBalancer>
    private let pools: [ObjectIdentifier: UpstreamPool]

    /// Builds the runtime of one backend; `eventLoops` are the loops that will proxy to it.
    public init(settings: BackendSettings, eventLoops: [any EventLoop]) throws {
        self.name = settings.name
        self.servers = try settings.servers.map {
            Server(name: $0.name, address: try SocketAddress(ipAddress: $0.address.host, port: $0.address.port))
        }
        self.connectTimeout = TimeAmount(settings.timeouts.connect)
        self.responseTimeout = TimeAmount(settings.timeouts.response)
        self.retries = settings.retries
        self.cookieName = settings.persistence?.cookie
        self.maxIdlePerServer = settings.pool.maxIdle
        self.idleTimeout = TimeAmount(settings.pool.idleTimeout)
        var states = settings.servers.map {
            ServerState(name: $0.name, weight: $0.weight, maxConnections: settings.maxConnections)
        }
        for index in states.indices where settings.servers[index].isDisabled {
            states[index].admin = .disabled
        }
        let algorithm = BalancingAlgorithm(rawValue: settings.balance.rawValue) ?? .roundRobin
        self.balancer = Mutex(BackendBalancer(name: settings.name, servers: states, algorithm: algorithm))
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
    }

    /// Runs `body` with exclusive access to the balancer.
    public func withBalancer<Result>(_ body: (inout BackendBalancer) -> Result) -> Result {
        balancer.withLock { body(&$0) }
    }

    /// The idle-connection pool of `eventLoop`.
    func pool(for eventLoop: any EventLoop) -> UpstreamPool? {
        pools[ObjectIdentifier(eventLoop)]
    }

    /// Closes every idle pooled connection (at shutdown).
    func closeIdleConnections() {
        for pool in pools.values {
            pool.eventLoop.execute { pool.closeAll() }
        }
    }
}

extension TimeAmount {
    /// The same span as a Swift `Duration`, to nanosecond precision.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
