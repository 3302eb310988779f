import ArgumentParser
import TandemConfig
import TandemControl

#if canImport(Glibc)
import Glibc
#endif

/// `tandem server drain|disable|enable|weight`: changes one backend server of the running daemon, at once and
/// for the next request on every event loop; requests in flight always finish.
struct ServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Drain, disable, enable or re-weight one backend server of the running daemon.",
        discussion: """
            A drained server takes no new request, not even from clients pinned to it by cookie; a disabled \
            one neither (maintenance); both let requests in flight finish. With --wait the command polls \
            the daemon and prints the in-flight count as it falls, until it reaches 0 (for enable: until \
            the server is up and not ejected); it exits 1 when --timeout passes first. The change is not \
            written to the configuration: a restart goes back to what it says.

            Exits 0 when done, 1 when the daemon refused (an unknown backend or server, a weight outside \
            1...256, not allowed: changes need root, the daemon's user or node.admin_operators) or a wait \
            timed out, 2 on a usage error.

            Examples:
              tandem server drain app/be1 --wait
              tandem server disable app/be1 --wait --timeout 30s
              tandem server enable app/be1
              tandem server weight app/be1 50
            """,
        subcommands: [Drain.self, Disable.self, Enable.self, Weight.self]
    )

    /// `--wait` and `--timeout`.
    struct WaitOptions: ParsableArguments {
        @Flag(name: .long, help: "Wait until no request is in flight (for enable: until the server is up).")
        var wait = false

        @Option(name: .long, help: ArgumentHelp("How long --wait waits.", valueName: "duration"))
        var timeout = DurationArgument("5m")
    }

    struct Drain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take no new requests on a server; let those in flight finish."
        )

        @Argument(help: ArgumentHelp("The server.", valueName: "backend/server")) var target: String
        @OptionGroup var waiting: WaitOptions
        @OptionGroup var location: AdminSocketOptions

        func validate() throws { _ = try ServerCommand.request(.drain, target) }

        func run() async throws {
            try await ServerCommand.run(ServerCommand.request(.drain, target), waiting: waiting, location: location)
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take a server out for maintenance; let requests in flight finish."
        )

        @Argument(help: ArgumentHelp("The server.", valueName: "backend/server")) var target: String
        @OptionGroup var waiting: WaitOptions
        @OptionGroup var location: AdminSocketOptions

        func validate() throws { _ = try ServerCommand.request(.disable, target) }

        func run() async throws {
            try await ServerCommand.run(ServerCommand.request(.disable, target), waiting: waiting, location: location)
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Let a drained or disabled server take requests again when healthy."
        )

        @Argument(help: ArgumentHelp("The server.", valueName: "backend/server")) var target: String
        @OptionGroup var waiting: WaitOptions
        @OptionGroup var location: AdminSocketOptions

        func validate() throws { _ = try ServerCommand.request(.enable, target) }

        func run() async throws {
            try await ServerCommand.run(ServerCommand.request(.enable, target), waiting: waiting, location: location)
        }
    }

    struct Weight: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a server's relative share of traffic (1...256)."
        )

        @Argument(help: ArgumentHelp("The server.", valueName: "backend/server")) var target: String
        @Argument(help: "The new weight, 1...256.") var weight: Int
        @OptionGroup var location: AdminSocketOptions

        func validate() throws { _ = try ServerCommand.request(.weight(weight), target) }

        func run() async throws {
            let request = try ServerCommand.request(.weight(weight), target)
            try await ServerCommand.run(request, waiting: nil, location: location)
        }
    }

    /// The request for `target`; a usage error (exit 2) when it is not BACKEND/SERVER.
    static func request(_ action: ServerControlRequest.Action, _ target: String) throws -> ServerControlRequest {
        switch ServerControlRequest.parseTarget(target) {
        case .success(let (backend, server)):
            return ServerControlRequest(action: action, backend: backend, server: server)
        case .failure(let problem):
            throw ValidationError(problem.description)
        }
    }

    /// Sends `request`, prints what the daemon did and, with `--wait`, how the server settles.
    static func run(_ request: ServerControlRequest, waiting: WaitOptions?, location: AdminSocketOptions) async throws {
        let started = ContinuousClock.now
        let response = try location.send(request.adminRequest, for: "server")
        guard response.ok, var row = response.backends?.servers.first else {
            printError("tandem server: \(response.error ?? "the daemon refused without a reason")")
            throw ExitCode.failure
        }
        print(response.message ?? row.summary(after: request.action))
        guard let waiting, waiting.wait else { return }
        fflush(nil)

        // Bounded by the deadline; one small request every 100 ms is nothing next to the traffic.
        let deadline = started + waiting.timeout.value
        var printed = row.summary(after: request.action)
        while !request.isSettled(row) {
            guard ContinuousClock.now < deadline else {
                printError("tandem server: \(request.target): still \(row.state) after \(waiting.timeout.text)")
                throw ExitCode.failure
            }
            try await Task.sleep(for: .milliseconds(100))
            let answer = try location.send(AdminRequest(command: "backends"), for: "server")
            guard let next = answer.backends?.server(backend: request.backend, server: request.server) else {
                printError("tandem server: \(answer.error ?? "the daemon no longer reports \(request.target)")")
                throw ExitCode.failure
            }
            row = next
            if let admin = request.admin, row.admin != admin {
                printError("tandem server: \(request.target) was changed meanwhile: it is now \(row.state)")
                throw ExitCode.failure
            }
            let line = row.summary(after: request.action)
            if line != printed && !request.isSettled(row) {
                print(line)
                // A countdown piped through `tee` must not wait for the buffer to fill.
                fflush(nil)
                printed = line
            }
        }
        print(row.settled(after: request.action, elapsed: started.duration(to: .now)))
    }
}
