/// Client-side timeouts of a frontend (`frontends[].timeouts`).
public struct FrontendTimeouts: Sendable, Equatable {
    /// A client must send a complete request head within this.
    public var header: Duration
    /// Idle client connection between requests.
    public var keepalive: Duration
    /// Idle client in tcp mode, or while sending a request body (then 408, or a close once the response began).
    public var client: Duration

    /// An upgraded (WebSocket) connection with nothing moving either way is closed after this.
    public var tunnel: Duration

    public init(
        header: Duration = .seconds(10),
        keepalive: Duration = .seconds(60),
        client: Duration = .seconds(30),
        tunnel: Duration = .seconds(3600)
    ) {
        self.header = header
        self.keepalive = keepalive
        self.client = client
        self.tunnel = tunnel
    }
}
