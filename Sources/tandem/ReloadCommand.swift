import ArgumentParser
import TandemConfig
import TandemControl

/// `tandem reload`: asks the running daemon to re-read its TLS certificates and ticket keys, like SIGHUP, and
/// reports per frontend what happened.
struct ReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Reload the running daemon's TLS certificates and ticket keys.",
        discussion: """
            Established connections keep their certificate; new connections get the new one. A frontend whose \
            files are unusable keeps its previous certificates: the reason is printed and the command exits 1. \
            Like SIGHUP, it also reopens the heartbeat log (ha.log).

            Finds the admin socket from --admin, else from --config (its node.admin), else \
            \(NodeSettings.defaultAdminSocketPath). Exits 1 when the daemon is not running.

            Examples:
              tandem reload
              tandem reload --config /etc/tandem/tandem.yaml
            """
    )

    @OptionGroup var location: AdminSocketOptions

    func run() throws {
        let response = try location.send(AdminRequest(command: "reload"), for: "reload")
        if let message = response.message {
            print(message)
        }
        guard response.ok else {
            printError("tandem reload: \(response.error ?? "the daemon refused without a reason")")
            throw ExitCode.failure
        }
    }
}
