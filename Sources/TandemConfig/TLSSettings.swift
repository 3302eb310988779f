/// TLS termination on a frontend (`frontends[].tls`).
public struct TLSSettings: Sendable, Equatable {
    /// PEM files (certificate chain and key); the one served is chosen by SNI.
    public var certificates: [String]
    /// Session ticket key file, shared by both nodes so that resumption survives a failover.
    public var ticketKeysPath: String?
    public var minimumVersion: MinimumVersion
    public var handshakeTimeout: Duration
    /// The protocols offered in ALPN, in the server's order of preference (the first the client also offers wins).
    public var alpn: [ApplicationProtocol]

    public init(
        certificates: [String],
        ticketKeysPath: String? = nil,
        minimumVersion: MinimumVersion = .tls12,
        handshakeTimeout: Duration = .seconds(10),
        alpn: [ApplicationProtocol] = [.h2, .http11]
    ) {
        self.certificates = certificates
        self.ticketKeysPath = ticketKeysPath
        self.minimumVersion = minimumVersion
        self.handshakeTimeout = handshakeTimeout
        self.alpn = alpn
    }
}
