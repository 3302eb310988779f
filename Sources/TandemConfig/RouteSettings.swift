/// One layer-7 route (`frontends[].routes[]`): requests matching the host and/or path prefix go to `backend`.
/// Validation guarantees at least one of `host` and `pathPrefix` is set.
public struct RouteSettings: Sendable, Equatable {
    /// Matched against the request's Host header (without port).
    public var host: String?
    /// Starts with `/`.
    public var pathPrefix: String?
    public var backend: String

    public init(host: String? = nil, pathPrefix: String? = nil, backend: String) {
        self.host = host
        self.pathPrefix = pathPrefix
        self.backend = backend
    }
}
