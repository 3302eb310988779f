/// One `frontends[]` item: a listening address and where its traffic goes.
public struct FrontendSettings: Sendable, Equatable {
    /// Unique among frontends.
    public var name: String
    public var bind: SocketAddressSpec
    public var mode: Mode
    /// The default backend; guaranteed by validation to exist.
    public var backend: String
    /// Layer-7 routes, first match wins; always empty in `tcp` mode.
    public var routes: [RouteSettings]
    /// TLS termination, or nil for plain text.
    public var tls: TLSSettings?
    public var timeouts: FrontendTimeouts
    public var limits: FrontendLimits
    /// Take the client's address from a PROXY protocol header (v1 or v2) that a balancer in front sends first;
    /// connections without one are refused.
    public var acceptProxy: Bool
    /// The access log, or nil for none.
    public var log: AccessLogSettings?

    public init(
        name: String,
        bind: SocketAddressSpec,
        mode: Mode = .http,
        backend: String,
        routes: [RouteSettings] = [],
        tls: TLSSettings? = nil,
        timeouts: FrontendTimeouts = FrontendTimeouts(),
        limits: FrontendLimits = FrontendLimits(),
        acceptProxy: Bool = false,
        log: AccessLogSettings? = nil
    ) {
        self.name = name
        self.bind = bind
        self.mode = mode
        self.backend = backend
        self.routes = routes
        self.tls = tls
        self.timeouts = timeouts
        self.limits = limits
        self.acceptProxy = acceptProxy
        self.log = log
    }
}
