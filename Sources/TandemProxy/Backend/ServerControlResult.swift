import TandemBalancing

/// The state of a server right after a ``ServerAction`` was applied.
public struct ServerControlResult: Sendable, Equatable {
    public var backend: String
    public var server: String
    public var admin: AdminState
    public var weight: Int
    /// Requests still in flight: after a drain, the requests it is waiting for.
    public var inFlight: Int

    public init(backend: String, server: String, admin: AdminState, weight: Int, inFlight: Int) {
        self.backend = backend
        self.server = server
        self.admin = admin
        self.weight = weight
        self.inFlight = inFlight
    }
}
