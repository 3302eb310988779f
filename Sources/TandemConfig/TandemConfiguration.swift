/// A whole, validated node configuration: every name a frontend or route uses exists, names are unique,
/// and every value is in range, so the rest of Tandem never re-checks it.
public struct TandemConfiguration: Sendable, Equatable {
    public var node: NodeSettings
    /// nil for a single proxy node (no heartbeats, no VIPs).
    public var ha: HASettings?
    public var frontends: [FrontendSettings]
    public var backends: [BackendSettings]

    public init(node: NodeSettings, ha: HASettings? = nil, frontends: [FrontendSettings], backends: [BackendSettings]) {
        self.node = node
        self.ha = ha
        self.frontends = frontends
        self.backends = backends
    }

    /// The backend with this name, if any.
    public func backend(named name: String) -> BackendSettings? {
        backends.first { $0.name == name }
    }
}
