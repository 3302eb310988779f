import NIOCore
import TandemConfig
import TandemTLS

/// A frontend as the data plane uses it: where it listens, how it routes, its limits and timeouts.
public final class FrontendRuntime: Sendable {
    public let name: String
    /// Layer 7 (`http`) or layer 4 (`tcp`).
    public let mode: FrontendSettings.Mode
    public let bindAddress: SocketAddress
    let routes: RouteTable
    let backends: [BackendRuntime]
    let scheme: String
    /// TLS termination for this frontend, when it has `tls:`; reloadable in place.
    public let tls: TLSContext?
    let maxHeaderBytes: Int
    let headLimits: RequestHeadParser.Limits
    /// Client connections served at once; more wait in the kernel's accept backlog.
    let maxConnections: Int
    let headerTimeout: TimeAmount
    let keepAliveTimeout: TimeAmount
    /// How long a request body may send nothing; in `tcp` mode, how long a tunnel may be silent.
    let clientTimeout: TimeAmount
    /// How long an upgraded (WebSocket) connection may be silent.
    let tunnelTimeout: TimeAmount
    /// Connections start with a PROXY header from a balancer in front, which names the client.
    let acceptProxy: Bool
    /// Its open client connections and the keep-alive wind-down switch.
    public let clientConnections = ClientConnections()
    /// One line per request or tunnel, when the frontend has `log:`.
    public let accessLog: AccessLog?

    /// `backends` is every backend of the configuration, in configuration order.
    public init(settings: FrontendSettings, backends: [BackendRuntime], accessLog: AccessLog? = nil) throws {
        func index(of name: String) -> Int {
            // TandemConfig validated that every backend a frontend names exists.
            backends.firstIndex { $0.name == name }!
        }
        self.name = settings.name
        self.mode = settings.mode
        self.bindAddress = try SocketAddress(ipAddress: settings.bind.host, port: settings.bind.port)
        self.routes = RouteTable(
            routes: settings.routes.map {
                RouteTable.Route(host: $0.host, pathPrefix: $0.pathPrefix, backend: index(of: $0.backend))
            },
            defaultBackend: index(of: settings.backend)
        )
        self.backends = backends
        self.scheme = settings.tls == nil ? "http" : "https"
        self.tls = try settings.tls.map { try TLSContext(settings: $0) }
        let limits = settings.limits
        self.maxHeaderBytes = limits.maxHeaderBytes
        self.headLimits = RequestHeadParser.Limits(
            maxHeaderBytes: limits.maxHeaderBytes,
            maxURIBytes: limits.maxURIBytes,
            maxHeaderFields: limits.maxHeaderFields,
            maxHeaderNameBytes: limits.maxHeaderNameBytes,
            maxConnectionTokens: limits.maxConnectionTokens
        )
        self.maxConnections = limits.maxConnections
        self.headerTimeout = TimeAmount(settings.timeouts.header)
        self.keepAliveTimeout = TimeAmount(settings.timeouts.keepalive)
        self.clientTimeout = TimeAmount(settings.timeouts.client)
        self.tunnelTimeout = TimeAmount(settings.timeouts.tunnel)
        self.acceptProxy = settings.acceptProxy
        self.accessLog = accessLog
    }
}
