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
    /// The backends its routes name (``routes`` indexes this).
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
    /// Whether connections may become HTTP/2 (h2 in ALPN, or h2c by prior knowledge), and its limits.
    let speaksHTTP2: Bool
    let http2: HTTP2Limits
    /// Its open client connections and the keep-alive wind-down switch.
    public let clientConnections = ClientConnections()
    /// One line per request or tunnel, when the frontend has `log:`.
    public let accessLog: AccessLog?
    /// The event metrics' handles, when the stats listener is on.
    let metrics: ProxyMetrics.Frontend?

    /// The settings it was built from; a config reload keeps the frontend when they and its backends are unchanged.
    let settings: FrontendSettings

    /// `backends` is every backend of the configuration, in configuration order.
    public convenience init(settings: FrontendSettings, backends: [BackendRuntime], accessLog: AccessLog? = nil) throws
    {
        try self.init(
            settings: settings,
            backends: backends,
            tls: settings.tls.map { try TLSContext(settings: $0) },
            accessLog: accessLog
        )
    }

    /// `tls` is the context for `settings.tls` (a reload hands over the previous one, staged with the new files,
    /// so ticket keys and statistics live on). Keeps only the backends it routes to, so replacing another
    /// backend leaves this frontend as it is.
    init(
        settings: FrontendSettings,
        backends: [BackendRuntime],
        tls: TLSContext?,
        accessLog: AccessLog?,
        metrics: ProxyMetrics.Frontend? = nil
    ) throws {
        self.metrics = metrics
        let names = Self.backendNames(settings)
        let used = names.map { name in
            // TandemConfig validated that every backend a frontend names exists.
            backends.first { $0.name == name }!
        }
        func index(of name: String) -> Int {
            names.firstIndex(of: name)!
        }
        self.settings = settings
        self.name = settings.name
        self.mode = settings.mode
        self.bindAddress = try SocketAddress(ipAddress: settings.bind.host, port: settings.bind.port)
        self.routes = RouteTable(
            routes: settings.routes.map {
                RouteTable.Route(host: $0.host, pathPrefix: $0.pathPrefix, backend: index(of: $0.backend))
            },
            defaultBackend: index(of: settings.backend)
        )
        self.backends = used
        self.scheme = settings.tls == nil ? "http" : "https"
        self.tls = tls
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
        self.speaksHTTP2 = settings.speaksHTTP2
        self.http2 = settings.http2
        self.accessLog = accessLog
    }

    /// The backends `settings` routes to, default first, each once.
    static func backendNames(_ settings: FrontendSettings) -> [String] {
        var names = [settings.backend]
        for route in settings.routes where !names.contains(route.backend) { names.append(route.backend) }
        return names
    }
}
