/// One `backends[]` item: a pool of servers with its balancing, health checking and queueing.
public struct BackendSettings: Sendable, Equatable {
    /// Unique among backends.
    public var name: String
    public var balance: Balance
    /// Sticky sessions by cookie, or nil.
    public var persistence: PersistenceSettings?
    /// Active health checks, or nil for none (servers then count as up unless ejected).
    public var health: HealthCheckSettings?
    public var outlier: OutlierSettings
    /// Concurrent connections per server; nil is unlimited.
    public var maxConnections: Int?
    /// Requests that may wait for a free server slot; 0 disables queueing.
    public var maxQueue: Int
    public var queueTimeout: Duration
    /// Retries on another server after a connect failure, 0...10.
    public var retries: Int
    public var timeouts: BackendTimeouts
    public var pool: PoolSettings
    /// The PROXY protocol header put in front of each connection to a server, or nil for none.
    public var sendProxy: ProxyProtocolVersion?
    /// Never empty; names unique within the backend.
    public var servers: [ServerSettings]

    public init(
        name: String,
        balance: Balance = .roundRobin,
        persistence: PersistenceSettings? = nil,
        health: HealthCheckSettings? = nil,
        outlier: OutlierSettings = OutlierSettings(),
        maxConnections: Int? = nil,
        maxQueue: Int = 100,
        queueTimeout: Duration = .seconds(2),
        retries: Int = 2,
        timeouts: BackendTimeouts = BackendTimeouts(),
        pool: PoolSettings = PoolSettings(),
        sendProxy: ProxyProtocolVersion? = nil,
        servers: [ServerSettings]
    ) {
        self.name = name
        self.balance = balance
        self.persistence = persistence
        self.health = health
        self.outlier = outlier
        self.maxConnections = maxConnections
        self.maxQueue = maxQueue
        self.queueTimeout = queueTimeout
        self.retries = retries
        self.timeouts = timeouts
        self.pool = pool
        self.sendProxy = sendProxy
        self.servers = servers
    }

    /// The PROXY protocol versions (HAProxy's `send-proxy` and `send-proxy-v2`).
    public enum ProxyProtocolVersion: String, Sendable, Equatable, CaseIterable {
        case v1, v2
    }
}
