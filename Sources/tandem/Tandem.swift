import ArgumentParser

/// The `tandem` command: the daemon and the tools that operate it.
@main
struct Tandem: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem",
        abstract: "An active-passive high-availability load balancer pair.",
        discussion: """
            Examples:
              tandem check --config /etc/tandem/tandem.yaml
              tandem run --config /etc/tandem/tandem.yaml
            """,
        subcommands: [RunCommand.self, CheckCommand.self]
    )
}
