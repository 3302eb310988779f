/// Server-side timeouts of a backend (`backends[].timeouts`).
public struct BackendTimeouts: Sendable, Equatable {
    /// TCP connect to a server.
    public var connect: Duration
    /// From the request sent to the response head received.
    public var response: Duration

    public init(connect: Duration = .seconds(2), response: Duration = .seconds(30)) {
        self.connect = connect
        self.response = response
    }
}
