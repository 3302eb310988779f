/// Why the admin socket could not be served; names the socket path.
public struct AdminServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The admin socket path (`node.admin`).
    public let socketPath: String
    /// What went wrong.
    public let message: String

    public init(socketPath: String, message: String) {
        self.socketPath = socketPath
        self.message = message
    }

    /// `PATH: MESSAGE`.
    public var description: String {
        "\(socketPath): \(message)"
    }
}
