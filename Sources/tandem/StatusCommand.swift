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

    @OptionGroup var location: AdminSocketOptions

    func run() throws {
        let response = try location.send(.status, for: "status")
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
