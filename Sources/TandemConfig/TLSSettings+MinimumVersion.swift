extension TLSSettings {
    /// The oldest TLS version a frontend accepts; raw values as written in the config.
    public enum MinimumVersion: String, Sendable, Equatable, CaseIterable {
        case tls12 = "1.2"
        case tls13 = "1.3"
    }
}

extension TLSSettings {
    /// An ALPN protocol identifier Tandem speaks; raw values as written in the config and on the wire.
    public enum ApplicationProtocol: String, Sendable, Equatable, CaseIterable {
        case h2
        case http11 = "http/1.1"
    }
}
