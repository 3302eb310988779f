/// Every problem found in one config file, in line order; thrown instead of stopping at the first problem so
/// that an operator can fix a file in one pass.
public struct ConfigErrorList: Error, Sendable, CustomStringConvertible {
    public var errors: [ConfigError]

    public init(errors: [ConfigError]) {
        self.errors = errors
    }

    /// One error per line.
    public var description: String {
        errors.map(\.description).joined(separator: "\n")
    }
}
