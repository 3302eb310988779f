/// One request on the admin socket: a JSON object on one line, e.g. `{"command":"status"}`.
///
/// `command` stays a string (not an enum) so that a daemon answers a command it does not know with a clear
/// error instead of a decoding failure, and newer clients can talk to older daemons. `arguments` carries
/// the operands of commands such as `server drain BACKEND/SERVER` (not served yet).
public struct AdminRequest: Codable, Sendable, Equatable {
    /// The command name: `status`; reserved for later: `server`, `drill`, `failover`.
    public var command: String
    /// Positional operands, e.g. `["drain", "app/be1"]` for `server`.
    public var arguments: [String]?

    /// Creates a request.
    public init(command: String, arguments: [String]? = nil) {
        self.command = command
        self.arguments = arguments
    }

    /// `{"command":"status"}`.
    public static let status = AdminRequest(command: "status")
}
