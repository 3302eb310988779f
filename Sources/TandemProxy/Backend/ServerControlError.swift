/// Why a ``ServerAction`` could not be applied; equal by code, the message says which name or value.
public struct ServerControlError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: Sendable, Equatable {
        case unknownBackend
        case unknownServer
        case invalidWeight
    }

    public let code: Code
    public let message: String
    public let file: String
    public let line: Int

    public init(_ code: Code, _ message: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
    }

    public var description: String { message }

    public static func == (lhs: ServerControlError, rhs: ServerControlError) -> Bool {
        lhs.code == rhs.code
    }
}
