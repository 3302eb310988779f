/// Maps admin command names to their handlers; the daemon registers what it serves before the socket opens.
///
/// The extension point for `server drain|disable|enable`, `drill` and `failover`: each is one more
/// ``register(_:handler:)`` call in the daemon, with no change to the server or the protocol. Who may run a
/// command is not the router's business: ``AdminAccess`` decides before a request gets here.
public struct AdminRouter: Sendable {
    /// Answers one request; runs on a task, off the event loops.
    public typealias Handler = @Sendable (AdminRequest) async -> AdminResponse

    private var handlers: [String: Handler] = [:]

    public init() {}

    /// Serves `command` with `handler` (replacing an earlier registration).
    public mutating func register(_ command: String, handler: @escaping Handler) {
        handlers[command] = handler
    }

    /// The commands served, sorted.
    public var commands: [String] {
        handlers.keys.sorted()
    }

    /// Answers `request`, or says which commands exist when it names none of them.
    public func respond(to request: AdminRequest) async -> AdminResponse {
        guard let handler = handlers[request.command] else {
            let known = commands.joined(separator: ", ")
            return .failure("unknown command \"\(request.command)\"; this daemon serves: \(known)")
        }
        return await handler(request)
    }
}
