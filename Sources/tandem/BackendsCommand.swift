import ArgumentParser
import TandemConfig
import TandemControl

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `tandem backends`: every server of every backend with its health, admin state, weight and load, from the
/// running daemon.
struct BackendsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backends",
        abstract: "Show every backend server of the running daemon: health, admin state, weight, load.",
        discussion: """
            HEALTH is the active health checks' verdict (up without health:), with ",ejected" while outlier \
            detection keeps the server out; ADMIN is ready, drain or disabled (tandem server); INFLIGHT counts \
            the requests being served now and QUEUE those waiting in the backend's queue; LAST-CHECK is the \
            latest probe's result (- without health:). Read-only: the daemon's group may run it.

            Finds the admin socket from --admin, else from --config (its node.admin), else \
            \(NodeSettings.defaultAdminSocketPath). Exits 1 when the daemon is not running.

            Examples:
              tandem backends
              tandem backends --json | jq '.servers[] | select(.health == "down")'
            """
    )

    @Flag(name: .long, help: "Print the servers as one JSON object.")
    var json = false

    @OptionGroup var location: AdminSocketOptions

    func run() throws {
        let response = try location.send(AdminRequest(command: "backends"), for: "backends")
        guard response.ok, let report = response.backends else {
            printError("tandem backends: the daemon refused: \(response.error ?? "no reason given")")
            throw ExitCode.failure
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.table())
        }
    }
}
