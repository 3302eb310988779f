/// A frontend's access log (`frontends[].log`): one line per request or tunnel, appended to `path`.
public struct AccessLogSettings: Sendable, Equatable {
    /// How each line is written.
    public enum Format: String, Sendable, Equatable, CaseIterable {
        /// Space-separated fields in a fixed order, for people and `awk`.
        case text
        /// One JSON object per line with stable keys, for log shippers.
        case json
    }

    /// The file, opened for appending (created mode 0640) and reopened on SIGHUP.
    public var path: String
    public var format: Format

    public init(path: String, format: Format = .text) {
        self.path = path
        self.format = format
    }
}
