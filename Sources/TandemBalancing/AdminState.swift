/// The operator's intent for a server, independent of its measured health.
public enum AdminState: String, Sendable {
    /// Takes new requests when healthy.
    case enabled
    /// Takes no new requests; requests already in flight finish.
    case draining
    /// Takes no new requests (maintenance).
    case disabled
}
