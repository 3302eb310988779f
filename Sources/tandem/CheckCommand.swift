import ArgumentParser
import TandemConfig

/// `tandem check`: validates a configuration file and reports every problem with file, line and key.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a configuration file.",
        discussion: """
            Prints every error as FILE:LINE: KEY: MESSAGE and exits 1, or prints a one-line summary
            and exits 0.

            Example:
              tandem check --config /etc/tandem/tandem.yaml
            """
    )

    @Option(name: .long, help: "The configuration file to validate.")
    var config: String

    func run() throws {
        do {
            let configuration = try ConfigLoader.load(path: config)
            print(configuration.summary(file: config))
        } catch {
            printError(error.description)
            let count = error.errors.count
            printError("\(config): \(count) error\(count == 1 ? "" : "s")")
            throw ExitCode.failure
        }
    }
}
