extension HeartbeatKeyring {
    /// Why a key file was refused, with the file and (when it applies) the line, for `tandem check` and start.
    public struct Error: Swift.Error, Sendable, Hashable, CustomStringConvertible {
        /// The kind of problem; errors compare equal by code, file and line.
        public enum Code: Sendable, Hashable {
            case unreadable
            case insecurePermissions
            case syntax
            case badID
            case duplicateID
            case badSecret
            case shortKey
            case noKeys
        }

        public let code: Code
        public let file: String
        public let line: Int?
        public let message: String

        init(_ code: Code, file: String, line: Int?, _ message: String) {
            self.code = code
            self.file = file
            self.line = line
            self.message = message
        }

        public var description: String {
            if let line { return "\(file):\(line): \(message)" }
            return "\(file): \(message)"
        }
    }
}
