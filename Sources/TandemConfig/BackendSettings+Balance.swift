extension BackendSettings {
    /// The balancing algorithm; raw values as written in the config.
    public enum Balance: String, Sendable, Equatable, CaseIterable {
        /// Smooth weighted round robin.
        case roundRobin = "round_robin"
        case random = "random"
        case leastConnections = "least_connections"
        /// Power of two choices on in-flight requests.
        case leastLoaded = "least_loaded"
        /// Consistent hashing on the client address.
        case sourceHash = "source_hash"
        /// Consistent hashing on the request URI.
        case uriHash = "uri_hash"
    }
}
