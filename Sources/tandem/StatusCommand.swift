import ArgumentParser
import TandemConfig
import TandemControl

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `tandem status`: asks the running daemon over its admin socket and prints the node, its HA state, its peer
/// and who holds each VIP.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the running daemon's state, its peer and who holds each VIP.",
        discussion: """
            Finds the admin socket from --admin, else from --config (its node.admin), else \
            \(NodeSettings.defaultAdminSocketPath). Exits 1 when the daemon is not running.

            Examples:
              tandem status
              tandem status --config /etc/tandem/tandem.yaml --json
            """
    )

    @Flag(name: .long, help: "Print the status as one JSON object.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("The daemon's admin socket.", valueName: "path"))
    var admin: String?

    @Option(
        name: .long,
        help: ArgumentHelp("A configuration file whose node.admin names the socket.", valueName: "file")
    )
    var config: String?

    func run() throws {
        let socketPath = try AdminSocketLocator.socketPath(admin: admin, config: config)
        let response: AdminResponse
        do {
            response = try AdminClient(socketPath: socketPath).send(.status)
        } catch {
            printError("tandem status: \(error)")
            throw ExitCode.failure
        }
        guard response.ok, let status = response.status else {
            printError("tandem status: the daemon refused: \(response.error ?? "no reason given")")
            throw ExitCode.failure
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            let data = try encoder.encode(status)
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(status.text())
        }
    }
}
