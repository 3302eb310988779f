/// Every server of every backend, as the admin `backends` command answers and `tandem backends` shows it; a
/// `server` answer carries the one server it changed.
///
/// Plain words and numbers rather than the proxy's own types: TandemControl does not link the proxy, and
/// scripts reading `tandem backends --json` get names that say what an operator means (`ready`, `drain`).
public struct BackendsReport: Codable, Sendable, Equatable {
    /// The active health checks' verdict.
    public enum Health: String, Codable, Sendable {
        case up
        case down
    }

    /// The operator's intent, in HAProxy's words: `ready` takes requests when healthy, `drain` and `disabled`
    /// take none (a drained server is one in `drain` with nothing in flight).
    public enum Admin: String, Codable, Sendable {
        case ready
        case drain
        case disabled
    }

    /// One server.
    public struct Server: Codable, Sendable, Equatable {
        public var backend: String
        public var server: String
        /// `host:port`.
        public var address: String
        /// `up` also for a backend without `health:`.
        public var health: Health
        public var admin: Admin
        public var weight: Int
        /// Requests being served now: a drain is over when this reaches 0.
        public var inFlight: Int
        /// Requests waiting in the backend's queue (one queue for all its servers).
        public var backendQueue: Int
        /// The latest health probe: `ok` or why it failed (`timeout`, `status 503`); nil without `health:` or
        /// before the first probe ended.
        public var lastCheck: String?
        /// True while passive outlier detection keeps the server out.
        public var ejected: Bool

        public init(
            backend: String,
            server: String,
            address: String,
            health: Health,
            admin: Admin,
            weight: Int,
            inFlight: Int,
            backendQueue: Int,
            lastCheck: String?,
            ejected: Bool
        ) {
            self.backend = backend
            self.server = server
            self.address = address
            self.health = health
            self.admin = admin
            self.weight = weight
            self.inFlight = inFlight
            self.backendQueue = backendQueue
            self.lastCheck = lastCheck
            self.ejected = ejected
        }

        /// `BACKEND/SERVER`, as the operator names it.
        public var target: String { "\(backend)/\(server)" }
    }

    /// In configuration order.
    public var servers: [Server]

    public init(servers: [Server]) {
        self.servers = servers
    }

    /// The row of `backend/server`, if there is one.
    public func server(backend: String, server: String) -> Server? {
        servers.first { $0.backend == backend && $0.server == server }
    }
}
