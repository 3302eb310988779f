import NIOCore
import TandemHA
import TandemProxy

/// Everything the status page shows, as `GET /status.json` serves it: this node and the peer, who holds
/// each VIP, heartbeat RTT, every frontend, every backend with its servers, and the newest state changes.
///
/// The JSON field names are an interface (dashboards parse it): add fields, never rename them.
public struct StatusPage: Codable, Sendable, Equatable {
    public struct Frontend: Codable, Sendable, Equatable {
        public var name: String
        public var bind: String
        /// `http` or `tcp`.
        public var mode: String
        public var tls: Bool
        public var currentConnections: Int
        public var totalConnections: Int
    }

    public struct Server: Codable, Sendable, Equatable {
        public var name: String
        public var address: String
        /// `up` or `down` (health checks).
        public var health: String
        /// `enabled`, `draining` or `disabled` (the operator's state).
        public var admin: String
        public var weight: Int
        public var inFlight: Int
        public var ejected: Bool
        /// The newest health probe's result: `ok` or why it failed; absent before the first probe.
        public var lastCheck: String?
    }

    public struct Backend: Codable, Sendable, Equatable {
        public var name: String
        public var queued: Int
        public var servers: [Server]
    }

    public struct Transition: Codable, Sendable, Equatable {
        public var time: String
        /// The VIP group that changed (nodes with `ha.groups` only).
        public var group: String?
        public var from: String
        public var to: String
        public var reason: String
    }

    public var node: String
    /// When the page was made (RFC 3339, UTC).
    public var generatedAt: String
    public var uptimeSeconds: Double
    /// The HA pair, as `tandem status --json` shows it; absent on a single node.
    public var ha: HAStatusReport?
    public var transitions: [Transition]
    public var frontends: [Frontend]
    public var backends: [Backend]

    /// `198.18.0.100:80`, `[2001:2::100]:80`.
    static func hostPort(_ address: SocketAddress) -> String {
        guard let host = address.ipAddress, let port = address.port else { return "\(address)" }
        return address.protocol == .inet6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    public init(
        node: String,
        generatedAt: String,
        uptimeSeconds: Double,
        ha: HAStatusReport?,
        transitions: [Transition],
        frontends: [Frontend],
        backends: [Backend]
    ) {
        self.node = node
        self.generatedAt = generatedAt
        self.uptimeSeconds = uptimeSeconds
        self.ha = ha
        self.transitions = transitions
        self.frontends = frontends
        self.backends = backends
    }

    /// The page now.
    public init(node: String, uptimeSeconds: Double, proxy: ProxyServer, ha: HARuntime?) {
        self.node = node
        self.generatedAt = EventTimestamp.now().description
        self.uptimeSeconds = uptimeSeconds
        self.ha = ha?.statusReport()
        self.transitions = (ha?.heartbeat.status().recentTransitions ?? []).reversed().map { record in
            Transition(
                time: record.time.description,
                group: record.group,
                from: record.from.description,
                to: record.to.description,
                reason: record.reason
            )
        }
        self.frontends = proxy.frontends.map { frontend in
            Frontend(
                name: frontend.name,
                bind: Self.hostPort(frontend.bindAddress),
                mode: "\(frontend.mode)",
                tls: frontend.tls != nil,
                currentConnections: frontend.clientConnections.count,
                totalConnections: frontend.clientConnections.total
            )
        }
        let statuses = proxy.serverStatuses()
        self.backends = proxy.backends.map { backend in
            Backend(
                name: backend.name,
                queued: backend.queuedRequests,
                servers: statuses.filter { $0.backend == backend.name }.map { status in
                    Server(
                        name: status.server,
                        address: status.address,
                        health: status.health == .up ? "up" : "down",
                        admin: status.admin.rawValue,
                        weight: status.weight,
                        inFlight: status.inFlight,
                        ejected: status.isEjected,
                        lastCheck: status.lastCheck.map { outcome in
                            switch outcome {
                            case .success: "ok"
                            case .failure(let reason): reason
                            }
                        }
                    )
                }
            )
        }
    }
}
