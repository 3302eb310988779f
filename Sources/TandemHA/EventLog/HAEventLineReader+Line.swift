extension HAEventLineReader {
    /// A decoded line and its original text (printed as-is by `--json`).
    public struct Line: Sendable, Hashable {
        public var text: String
        public var event: HAEvent
    }
}
