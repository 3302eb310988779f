import ArgumentParser
import TandemConfig
import TandemControl

/// `--admin PATH` and `--config FILE`: how every operating command (status, drill, failover, reload) finds the
/// daemon, as docs/operations.md says — `--admin`, else the config's `node.admin`, else the default socket.
struct AdminSocketOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The daemon's admin socket.", valueName: "path"))
    var admin: String?

    @Option(
        name: .long,
        help: ArgumentHelp("A configuration file whose node.admin names the socket.", valueName: "file")
    )
    var config: String?

    /// The socket path; exits 1 when --config does not load.
    func socketPath() throws -> String {
        try AdminSocketLocator.socketPath(admin: admin, config: config)
    }

    /// Sends one request; exits 1 with `tandem COMMAND: reason` when the daemon cannot be reached.
    func send(_ request: AdminRequest, for command: String, timeout: Duration = .seconds(5)) throws -> AdminResponse {
        do {
            return try AdminClient(socketPath: try socketPath(), timeout: timeout).send(request)
        } catch let error as AdminClientError {
            printError("tandem \(command): \(error)")
            throw ExitCode.failure
        }
    }
}
