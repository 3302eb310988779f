/// Server-side timeouts of a backend (`backends[].timeouts`).
public struct BackendTimeouts: Sendable, Equatable {
    /// TCP connect to a server.
    public var connect: Duration
    /// From the request sent to the response head received, and between response bytes.
    public var response: Duration
    /// A layer-4 tunnel with nothing moving either way is closed after this (with the frontend's `client`).
    public var server: Duration

    public init(connect: Duration = .seconds(2), response: Duration = .seconds(30), server: Duration = .seconds(30)) {
        self.connect = connect
        self.response = response
        self.server = server
    }
}
