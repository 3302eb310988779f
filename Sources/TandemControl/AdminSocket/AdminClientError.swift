/// Why a command-line tool could not talk to the daemon; names the admin socket. Equal by code.
public struct AdminClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: Sendable, Equatable {
        /// Nothing listens on the socket (no file, or a stale file): the daemon is not running.
        case notRunning
        /// The socket exists but this user may not connect.
        case permissionDenied
        /// The daemon did not answer within the timeout.
        case timeout
        /// The answer was not a valid admin response.
        case malformed
        /// Any other system error.
        case failed
    }

    public let code: Code
    public let socketPath: String
    public let message: String

    public init(code: Code, socketPath: String, message: String) {
        self.code = code
        self.socketPath = socketPath
        self.message = message
    }

    /// `PATH: MESSAGE`.
    public var description: String {
        "\(socketPath): \(message)"
    }

    public static func == (lhs: AdminClientError, rhs: AdminClientError) -> Bool {
        lhs.code == rhs.code
    }
}
