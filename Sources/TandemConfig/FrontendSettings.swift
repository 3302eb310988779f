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
    /// Accept prior-knowledge HTTP/2 in the clear (a connection that opens with the h2c preface); plain frontends
    /// only, since a TLS frontend negotiates h2 with ALPN (`tls.alpn`).
    public var h2c: Bool
    /// Limits of HTTP/2 connections (h2 over TLS or h2c).
    public var http2: HTTP2Limits

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
        log: AccessLogSettings? = nil,
        h2c: Bool = false,
        http2: HTTP2Limits = HTTP2Limits()
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
        self.h2c = h2c
        self.http2 = http2
    }

    /// Whether connections of this frontend may speak HTTP/2: h2c on a plain frontend, `h2` in ALPN on a TLS one.
    public var speaksHTTP2: Bool {
        guard mode == .http else { return false }
        if let tls { return tls.alpn.contains(.h2) }
        return h2c
    }
}
