/// A run-time change of one server's state, as the admin socket asks for it.
public enum ServerAction: Sendable, Equatable {
    /// No new requests, not even from clients pinned to it by cookie; requests in flight finish.
    case drain
    /// No new requests (maintenance); requests in flight finish.
    case disable
    /// Takes new requests again whenever healthy and not ejected.
    case enable
    /// Sets the relative share of traffic, within 1...256.
    case weight(Int)
}
