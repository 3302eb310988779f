import ArgumentParser
import TandemConfig
import TandemControl

/// `tandem reload`: asks the running daemon to re-read its configuration file and apply it, like SIGHUP, and
/// prints what changed.
struct ReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Re-read the running daemon's configuration and apply it without dropping a connection.",
        discussion: """
            The daemon re-reads the file it was started with and validates all of it first: a file with any \
            error changes nothing, and each error is printed as file:line: key: message (exit 1). A good file \
            is applied while serving: frontends are bound, drained or changed; backends and servers added, \
            removed after draining, or changed; TLS certificate and ticket-key files re-read. Connections \
            opened before finish their request and close after it; clients reconnect into the new \
            configuration. Servers that stay keep their run-time state: health, ejections, and what \
            `tandem server` set (drain, disable, weight) unless the file changed that same setting. \
            ha.priority, ha.preempt, ha.preempt_delay and a backends track's penalty apply at once, and so do \
            each of ha.groups' priority, preempt and preempt_delay (groups are matched by name); other ha: and \
            node: changes, including groups added, removed, renamed or reordered and a group's VIPs, are listed \
            as needing a restart and not applied (node.drain_timeout applies). \
            Like SIGHUP, it also reopens the heartbeat log and re-reads the heartbeat keys.

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
            // One problem a line, each starting with the file and line it is about.
            printError(response.error ?? "tandem reload: the daemon refused without a reason")
            throw ExitCode.failure
        }
    }
}
