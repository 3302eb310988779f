import ArgumentParser
import Dispatch
import Logging
import NIOCore
import NIOPosix
import TandemNIOSupport
import TandemNetlink

#if canImport(Glibc)
import Glibc
#endif

/// `tandem vip-helper`: the only privileged part of Tandem (CAP_NET_ADMIN, CAP_NET_RAW). Adds and removes
/// allow-listed VIPs for the unprivileged daemon over a Unix socket, and releases them when the daemon's
/// connection closes.
struct VIPHelperCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vip-helper",
        abstract: "Serve VIP claim/release for the Tandem daemon (needs CAP_NET_ADMIN and CAP_NET_RAW).",
        discussion: """
            Only the listed VIP@interface pairs are ever touched. An entry with host bits set \
            (198.18.0.100/24@eth0) allows exactly that address and prefix; an entry naming a network \
            (198.18.0.0/24@eth0) allows any address inside it with the same prefix length.

            Only root and the --client-user users (default: tandem, the daemon's user; root only when no \
            such user exists) may use the socket, whatever its mode lets connect: anyone else gets one \
            error line and the connection closes.

            When the daemon's connection closes (exit or crash), every VIP it claimed is released.

            Example:
              tandem vip-helper --socket /run/tandem-vip-helper/vip.sock \\
                  --allow 198.18.0.100/24@eth0 --allow 198.18.0.101/24@eth0 \\
                  --garp-count 3 --garp-spacing 100 --refresh 30
            """
    )

    @Option(help: "Unix socket path to serve on (created with mode 0660).")
    var socket: String

    @Option(help: ArgumentHelp("A VIP the daemon may claim, as CIDR@IFACE (repeatable).", valueName: "CIDR@IFACE"))
    var allow: [String] = []

    @Option(
        name: .customLong("client-user"),
        help: ArgumentHelp(
            "A user besides root who may use the helper (repeatable; default: \(Self.defaultClientUser)).",
            valueName: "name"
        )
    )
    var clientUsers: [String] = []

    @Option(help: "Gratuitous ARPs / neighbour advertisements per announcement burst.")
    var garpCount: Int = 3

    @Option(help: ArgumentHelp("Milliseconds between two announcements of a burst.", valueName: "ms"))
    var garpSpacing: Int = 100

    @Option(help: ArgumentHelp("Seconds between announcement bursts while a VIP is claimed.", valueName: "s"))
    var refresh: Int = 30

    func validate() throws {
        guard !allow.isEmpty else {
            throw Self.usageError("at least one --allow CIDR@IFACE is required (e.g. --allow 198.18.0.100/24@eth0)")
        }
        for entry in allow where VIPAllowRule(parsing: entry) == nil {
            throw Self.usageError(
                "--allow \(entry): expected ADDRESS/PREFIX@INTERFACE, e.g. 198.18.0.100/24@eth0"
            )
        }
        guard (1...100).contains(garpCount) else {
            throw Self.usageError("--garp-count must be between 1 and 100")
        }
        guard (1...10_000).contains(garpSpacing) else {
            throw Self.usageError("--garp-spacing must be between 1 and 10000 ms")
        }
        guard (1...86_400).contains(refresh) else {
            throw Self.usageError("--refresh must be between 1 and 86400 s")
        }
    }

    /// The daemon's user, as deploy/install.sh creates it.
    static let defaultClientUser = "tandem"

    func run() async throws {
        let logger = Logger(label: "tandem.vip-helper")
        let configuration = VIPHelperConfiguration(
            socketPath: socket,
            allow: allow.compactMap(VIPAllowRule.init(parsing:)),
            access: try access(logger: logger),
            announcementCount: garpCount,
            announcementSpacing: .milliseconds(garpSpacing),
            refreshInterval: .seconds(refresh)
        )
        // One thread: the claim state and the netlink socket live on it.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await VIPHelperServer.start(
            configuration: configuration,
            eventLoop: group.next(),
            logger: logger
        )
        let signal = await Self.waitForTerminationSignal()
        logger.notice("stopping: releasing every claimed VIP", metadata: ["signal": "\(signal)"])
        await server.close()
        try await group.shutdownGracefully()
    }

    /// The client users looked up: a named user that does not exist stops the helper (a typo would otherwise
    /// lock the daemon out); the default user, when absent, leaves root only.
    private func access(logger: Logger) throws -> VIPHelperAccess {
        guard !clientUsers.isEmpty else {
            guard let user = UserAccount.named(Self.defaultClientUser) else {
                logger.notice("no user \(Self.defaultClientUser) on this host: only root may use the helper")
                return VIPHelperAccess()
            }
            return VIPHelperAccess(clients: [user])
        }
        var clients: [UserAccount] = []
        for name in clientUsers {
            guard let user = UserAccount.named(name) else {
                var standardError = StandardErrorStream()
                print("tandem vip-helper: --client-user \(name): no such user on this host", to: &standardError)
                throw ExitCode.failure
            }
            clients.append(user)
        }
        return VIPHelperAccess(clients: clients)
    }

    /// Prints `message` and exits with status 2 (a usage error).
    private static func usageError(_ message: String) -> Error {
        var standardError = StandardErrorStream()
        print("tandem vip-helper: \(message)", to: &standardError)
        return ExitCode(2)
    }

    /// Waits for SIGTERM or SIGINT and returns which one arrived.
    private static func waitForTerminationSignal() async -> Int32 {
        let (signals, continuation) = AsyncStream.makeStream(of: Int32.self)
        let queue = DispatchQueue(label: "tandem.vip-helper.signals")
        var sources: [DispatchSourceSignal] = []
        for number in [SIGTERM, SIGINT] {
            Glibc.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            sources.append(source)
        }
        defer {
            for source in sources {
                source.cancel()
            }
        }
        for await number in signals {
            return number
        }
        return SIGTERM
    }
}

/// Standard error as a `TextOutputStream` for `print(_:to:)`.
private struct StandardErrorStream: TextOutputStream {
    mutating func write(_ string: String) {
        var bytes = Array(string.utf8)
        _ = Glibc.write(STDERR_FILENO, &bytes, bytes.count)
    }
}
