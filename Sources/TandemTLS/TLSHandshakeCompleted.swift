/// Fired inbound by `TLSServerHandler` once the handshake completes, before any application data, so that the
/// handlers after it (the proxy) learn what was negotiated.
public struct TLSHandshakeCompleted: Sendable, Equatable {
    /// The ALPN protocol selected (`h2` or `http/1.1`), or nil when the client offered none we speak.
    public var applicationProtocol: String?
    /// The SNI host name the client asked for, or nil without SNI.
    public var serverName: String?
    /// Whether the session was resumed from a ticket (no full handshake).
    public var sessionResumed: Bool
    /// The protocol version, as OpenSSL names it (`TLSv1.2`, `TLSv1.3`).
    public var protocolVersion: String

    public init(applicationProtocol: String?, serverName: String?, sessionResumed: Bool, protocolVersion: String) {
        self.applicationProtocol = applicationProtocol
        self.serverName = serverName
        self.sessionResumed = sessionResumed
        self.protocolVersion = protocolVersion
    }
}
