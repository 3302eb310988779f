/// Cookie persistence (`backends[].persistence`): the named cookie pins a client to a server.
public struct PersistenceSettings: Sendable, Equatable {
    /// An RFC 6265 cookie name (an HTTP token).
    public var cookie: String

    public init(cookie: String) {
        self.cookie = cookie
    }
}
