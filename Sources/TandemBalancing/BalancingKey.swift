/// The request attribute a hash policy maps to a server; other policies ignore it.
public enum BalancingKey: Sendable, Equatable {
    /// No attribute: hash policies spread such requests without affinity.
    case none
    /// The client's address (`source_hash`).
    case clientAddress(String)
    /// The request target (`uri_hash`); everything from the first `?` on is ignored.
    case path(String)
}
