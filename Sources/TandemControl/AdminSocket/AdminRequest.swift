/// One request on the admin socket: a JSON object on one line, e.g. `{"command":"status"}`.
///
/// `command` stays a string (not an enum) so that a daemon answers a command it does not know with a clear
/// error instead of a decoding failure, and newer clients can talk to older daemons. `arguments` carries
/// the operands, e.g. `["drain=2000", "hold=3600000", "wait=3000"]` for `handover`, `["drain", "app/be1"]` for
/// `server`.
public struct AdminRequest: Codable, Sendable, Equatable {
    /// The command name: `status`, `backends`, `server`, `handover` (drill, failover) or `reload`.
    public var command: String
    /// The command's operands.
    public var arguments: [String]?

    /// Creates a request.
    public init(command: String, arguments: [String]? = nil) {
        self.command = command
        self.arguments = arguments
    }

    /// `{"command":"status"}`.
    public static let status = AdminRequest(command: "status")
}
