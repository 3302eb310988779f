import ArgumentParser

/// The `tandem` command: the daemon and the tools that operate it.
@main
struct Tandem: AsyncParsableCommand {
    /// The release this binary is (`tandem --version`, the install log), raised with each release; semantic
    /// versioning, the config keys, the admin protocol and the heartbeat wire format being the interface.
    static let version = "0.6.0"

    static let configuration = CommandConfiguration(
        commandName: "tandem",
        abstract: "An active-passive high-availability load balancer pair.",
        discussion: """
            Examples:
              tandem check --config /etc/tandem/tandem.yaml
              tandem run --config /etc/tandem/tandem.yaml
              tandem status --config /etc/tandem/tandem.yaml
              tandem backends --config /etc/tandem/tandem.yaml
              tandem server drain app/be1 --wait --config /etc/tandem/tandem.yaml
              tandem drill --config /etc/tandem/tandem.yaml
              tandem probe http://198.18.0.100/ --duration 30s
              tandem failover --config /etc/tandem/tandem.yaml
              tandem logs --config /etc/tandem/tandem.yaml --since 10m
              tandem reload --config /etc/tandem/tandem.yaml
            """,
        version: "tandem \(Tandem.version)",
        subcommands: [
            RunCommand.self, CheckCommand.self, StatusCommand.self, BackendsCommand.self, ServerCommand.self,
            DrillCommand.self, ProbeCommand.self, FailoverCommand.self, LogsCommand.self, ReloadCommand.self,
            VIPHelperCommand.self,
            DebugCommand.self,
        ]
    )

    /// Runs the command; usage errors exit 2 (not ArgumentParser's 64), as scripts expect.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                printError(fullMessage(for: error))
                exit(withError: ExitCode(2))
            }
            exit(withError: error)
        }
    }
}
