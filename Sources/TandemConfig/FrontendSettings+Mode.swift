extension FrontendSettings {
    /// How a frontend proxies: parsed HTTP/1.1 (layer 7) or raw bytes (layer 4).
    public enum Mode: String, Sendable, Equatable, CaseIterable {
        case http
        case tcp
    }
}
