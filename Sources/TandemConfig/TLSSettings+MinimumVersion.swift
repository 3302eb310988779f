extension TLSSettings {
    /// The oldest TLS version a frontend accepts; raw values as written in the config.
    public enum MinimumVersion: String, Sendable, Equatable, CaseIterable {
        case tls12 = "1.2"
        case tls13 = "1.3"
    }
}
