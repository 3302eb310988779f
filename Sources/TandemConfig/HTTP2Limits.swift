/// HTTP/2 limits of a frontend (`frontends[].h2`), for connections that negotiated h2 (ALPN) or opened with the
/// h2c preface. They bound what one connection may make the proxy hold: streams in progress, the decoded header
/// list of a request, and how fast a client may cancel streams (the rapid-reset flood, CVE-2023-44487).
public struct HTTP2Limits: Sendable, Equatable {
    /// Streams a client may have open at once (advertised in SETTINGS); more are refused with RST_STREAM.
    public var maxConcurrentStreams: Int
    /// The largest decoded header list of one request (names, values and 32 bytes per field, RFC 9113 §6.5.2).
    public var maxHeaderListSize: Int
    /// Streams a client may reset within ``resetWindow`` before the connection is closed with GOAWAY
    /// ENHANCE_YOUR_CALM.
    public var maxResets: Int
    public var resetWindow: Duration

    public init(
        maxConcurrentStreams: Int = 100,
        maxHeaderListSize: Int = 65536,
        maxResets: Int = 200,
        resetWindow: Duration = .seconds(30)
    ) {
        self.maxConcurrentStreams = maxConcurrentStreams
        self.maxHeaderListSize = maxHeaderListSize
        self.maxResets = maxResets
        self.resetWindow = resetWindow
    }
}
