/// Layer-7 routing for one frontend: the first route whose host and path prefix both match wins,
/// otherwise the frontend's default backend.
///
/// Hosts compare case-insensitively with any port removed (`API.example.com:8080` matches
/// `api.example.com`), because clients send the port only sometimes and DNS names ignore case.
public struct RouteTable: Sendable, Equatable {
    /// One routing rule; a nil field matches everything.
    public struct Route: Sendable, Equatable {
        public var host: String?
        public var pathPrefix: String?
        public var backend: Int

        public init(host: String?, pathPrefix: String?, backend: Int) {
            self.host = host.map { RouteTable.normalizedHost($0[...]) }
            self.pathPrefix = pathPrefix
            self.backend = backend
        }
    }

    public var routes: [Route]
    public var defaultBackend: Int

    public init(routes: [Route], defaultBackend: Int) {
        self.routes = routes
        self.defaultBackend = defaultBackend
    }

    /// The backend index for a request with this `Host` header value and request target.
    public func backend(host: String?, target: String) -> Int {
        if routes.isEmpty { return defaultBackend }
        let normalized = host.map { Self.normalizedHost($0[...]) }
        for route in routes {
            if let wanted = route.host, wanted != normalized { continue }
            if let prefix = route.pathPrefix, !Self.path(of: target).hasPrefix(prefix) { continue }
            return route.backend
        }
        return defaultBackend
    }

    /// The path of a request target: origin-form as is, absolute-form without scheme and authority.
    static func path(of target: String) -> Substring {
        guard !target.hasPrefix("/") else { return target[...] }
        // absolute-form: scheme "://" authority path
        guard let colon = target.firstIndex(of: ":"), target[colon...].hasPrefix("://") else { return target[...] }
        let authorityStart = target.index(colon, offsetBy: 3)
        guard let slash = target[authorityStart...].firstIndex(of: "/") else { return "/" }
        return target[slash...]
    }

    /// Lower-cased host without its port; IPv6 literals keep their brackets.
    static func normalizedHost(_ raw: Substring) -> String {
        var host = raw
        if host.hasPrefix("[") {
            if let close = host.firstIndex(of: "]") { host = host[...close] }
        } else if let colon = host.lastIndex(of: ":") {
            host = host[..<colon]
        }
        if host.hasSuffix(".") { host = host.dropLast() }
        return host.lowercased()
    }
}
