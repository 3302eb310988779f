import ArgumentParser
import TandemConfig

/// A command-line duration in the config's syntax (`10ms`, `3s`, `5m`).
struct DurationArgument: ExpressibleByArgument, Sendable {
    let value: Duration
    /// The text as given (or the default's spelling), for help output.
    let text: String

    init?(argument: String) {
        guard let value = Duration(configString: argument) else { return nil }
        self.value = value
        self.text = argument
    }

    /// A default, spelled as a user would write it.
    init(_ text: String) {
        self.init(argument: text)!
    }

    var defaultValueDescription: String { text }
}
