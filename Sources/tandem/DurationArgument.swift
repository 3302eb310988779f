import ArgumentParser
import TandemConfig

/// A command-line duration in the config's syntax (`10ms`, `3s`, `5m`).
struct DurationArgument: ExpressibleByArgument, Sendable {
    let value: Duration

    init?(argument: String) {
        guard let value = Duration(configString: argument) else { return nil }
        self.value = value
    }

    init(_ value: Duration) {
        self.value = value
    }

    static var defaultCompletionKind: CompletionKind { .default }
}
