import ArgumentParser
import TandemConfig
import TandemHA
import TandemProxy
import TandemTLS

/// `tandem check`: validates a configuration file (and the HA key file it names) and reports every problem
/// with file, line and key.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a configuration file.",
        discussion: """
            Prints every error as FILE:LINE: KEY: MESSAGE and exits 1, or prints a one-line summary
            and exits 0. With an `ha:` section the key file is checked too: it must exist, hold keys of
            at least 32 bytes, and be readable by its owner only (mode 600).

            Example:
              tandem check --config /etc/tandem/tandem.yaml
            """
    )

    @Option(name: .long, help: "The configuration file to validate.")
    var config: String

    func run() throws {
        let configuration: TandemConfiguration
        do {
            configuration = try ConfigLoader.load(path: config)
        } catch {
            printError(error.description)
            let count = error.errors.count
            printError("\(config): \(count) error\(count == 1 ? "" : "s")")
            throw ExitCode.failure
        }
        var failures = 0
        if let ha = configuration.ha {
            do {
                _ = try HeartbeatKeyring.load(path: ha.keyFile)
            } catch {
                printError(error.description)
                failures += 1
            }
        }
        for frontend in configuration.frontends {
            guard let log = frontend.log, let problem = AccessLog.problem(opening: log.path) else { continue }
            printError("\(config): frontends \(frontend.name): log: \(problem)")
            failures += 1
        }
        for frontend in configuration.frontends {
            guard let tls = frontend.tls else { continue }
            for problem in TLSContext.validate(tls) {
                printError("\(config): frontends \(frontend.name): tls: \(problem)")
                if !problem.hasPrefix("warning:") { failures += 1 }
            }
        }
        guard failures == 0 else {
            printError("\(config): \(failures) error\(failures == 1 ? "" : "s")")
            throw ExitCode.failure
        }
        print(configuration.summary(file: config))
    }
}
