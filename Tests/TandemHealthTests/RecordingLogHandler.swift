import Logging

/// A log handler that keeps every message, so tests can check the transition lines.
struct RecordingLogHandler: LogHandler {
    let lines: AwaitableLog<String>
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lines.append("\(event.level): \(event.message)")
    }
}
