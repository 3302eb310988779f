extension HealthCheckSettings {
    /// What a check does.
    public enum Kind: Sendable, Equatable {
        /// `GET path` with an optional Host header; healthy when the status is `expect`.
        case http(path: String, expect: Int, host: String?)
        /// Healthy when a TCP connection is established.
        case tcp
    }
}
