/// Why a TLS connection was closed before or during its handshake, as counted in `TLSStatistics`.
public enum TLSFailureReason: String, Sendable, Hashable, CaseIterable {
    /// The first bytes were a plain HTTP request (`http://` sent to a TLS port).
    case plaintextHTTP = "plaintext-http"
    /// The ClientHello was malformed, truncated by the peer closing, or not TLS at all (random bytes).
    case badClientHello = "bad-client-hello"
    /// The handshake did not finish within `TLSSettings.handshakeTimeout`.
    case handshakeTimeout = "timeout"
    /// Any later TLS failure: a fatal alert, a bad record, a refused renegotiation, a peer vanishing mid-handshake.
    case protocolError = "protocol-error"
}
