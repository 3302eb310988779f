/// One problem found in a config file, pinned to the line and key path that caused it so that an operator
/// can jump straight to it: `tandem.yaml:14: backends[0].servers[1].weight: must be a positive integer`.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The path string the caller passed to the loader.
    public var file: String
    /// 1-based line, or nil when the problem concerns the whole file (for example it cannot be read).
    public var line: Int?
    /// Dotted key path with list indexes, like `frontends[0].bind`; empty for file-level problems.
    public var keyPath: String
    /// What is wrong, in words an operator can act on.
    public var message: String

    public init(file: String, line: Int?, keyPath: String, message: String) {
        self.file = file
        self.line = line
        self.keyPath = keyPath
        self.message = message
    }

    /// `<file>:<line>: <key.path>: <message>`; the line and key path parts are left out when absent.
    public var description: String {
        var text = file
        if let line {
            text += ":\(line)"
        }
        if !keyPath.isEmpty {
            text += ": \(keyPath)"
        }
        return text + ": \(message)"
    }
}
