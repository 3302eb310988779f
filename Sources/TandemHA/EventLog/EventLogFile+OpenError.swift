extension EventLogFile {
    /// Why the file cannot be read.
    public struct OpenError: Error, CustomStringConvertible {
        public var description: String
    }
}
