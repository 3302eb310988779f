import Logging
import NIOPosix
import ServiceLifecycle
import ServiceLifecycleTestKit
import Synchronization
import TandemNIOSupport
import Testing

@testable import TandemControl

#if canImport(Glibc)
import Glibc
#endif

/// The admin socket for real: a Unix socket in a temporary directory, served by ``AdminServer`` and asked by
/// ``AdminClient``.
@Suite struct AdminServerTests {
    private static func router() -> AdminRouter {
        var router = AdminRouter()
        router.register("status") { _ in AdminResponse(ok: true, status: StatusFixtures.active) }
        return router
    }

    private static func server(_ path: String) -> AdminServer {
        AdminServer(
            socketPath: path,
            router: router(),
            group: MultiThreadedEventLoopGroup.singleton,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
    }

    /// Counts the `reload` requests that reached the router.
    private final class Reloads: Sendable {
        private let count = Mutex(0)
        func record() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }

    /// Runs `server` until `body` returns, then shuts it down gracefully and waits for it.
    private static func serving(_ server: AdminServer, _ body: @Sendable () async throws -> Void) async throws {
        try await server.bind()
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await server.run() }
                try await body()
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }

    /// `status` is answered with the router's report; the socket is mode 0660; shutdown removes the file.
    @Test func servesStatusAndCleansUp() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("admin.sock")
        try await Self.serving(Self.server(path)) {
            var info = stat()
            #expect(stat(path, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o660)
            let response = try await AdminClient(socketPath: path).request(.status)
            #expect(response == AdminResponse(ok: true, status: StatusFixtures.active))
            // Several requests in a row on fresh connections.
            for _ in 0..<3 {
                #expect(try await AdminClient(socketPath: path).request(.status).ok)
            }
        }
        #expect(access(path, F_OK) != 0, "the socket file should be gone after shutdown")
    }

    /// An unknown command gets an error that lists what the daemon serves.
    @Test func unknownCommand() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("admin.sock")
        try await Self.serving(Self.server(path)) {
            let response = try await AdminClient(socketPath: path).request(AdminRequest(command: "drill"))
            #expect(response.ok == false)
            #expect(response.error == "unknown command \"drill\"; this daemon serves: status")
        }
    }

    /// A line that is not JSON gets an error response, and the connection keeps serving the next line.
    @Test func malformedLineThenValidRequest() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("admin.sock")
        try await Self.serving(Self.server(path)) {
            let lines = try await NIOThreadPool.singleton.runIfActive {
                try RawAdminConnection(path: path).exchange("hello\n{\"command\":\"status\"}\n", lines: 2)
            }
            #expect(try AdminCodec.decodeResponse(Array(lines[0].utf8)).ok == false)
            #expect(try AdminCodec.decodeResponse(Array(lines[1].utf8)).status?.node == "lb-a")
        }
    }

    /// A socket file left by a dead daemon is replaced; a live daemon's socket is not taken over.
    @Test func staleSocketReplacedLiveSocketRefused() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("admin.sock")
        // A stale socket: bound, then its owner closes without unlinking.
        let stale = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(stale, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        #expect(bound == 0)
        close(stale)
        #expect(access(path, F_OK) == 0)

        let first = Self.server(path)
        try await Self.serving(first) {
            let before = try await AdminClient(socketPath: path).request(.status)
            #expect(before.ok)
            let second = Self.server(path)
            await #expect(throws: AdminServerError.self) { try await second.bind() }
            let after = try await AdminClient(socketPath: path).request(.status)
            #expect(after.ok, "the first server must keep its socket")
        }
    }

    /// A regular file at the socket path is never deleted.
    @Test func regularFileIsNotReplaced() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("admin.sock")
        let descriptor = open(path, O_CREAT | O_WRONLY, 0o600)
        close(descriptor)
        await #expect(throws: AdminServerError.self) { try await Self.server(path).bind() }
        #expect(access(path, F_OK) == 0)
    }

    /// Without a daemon the client says so, naming the socket.
    @Test func clientReportsDaemonNotRunning() {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("admin.sock")
        #expect(throws: AdminClientError(code: .notRunning, socketPath: path, message: "")) {
            try AdminClient(socketPath: path).send(.status)
        }
        #expect(AdminClient.isServing(socketPath: path) == false)
    }

    /// Over the real socket, by the peer's kernel-reported uid: a reader gets `status` but its `reload` is
    /// refused with the reason and never reaches the router; an operator's and the daemon's user's go through.
    @Test(.enabled(if: getuid() == 0, "needs root to connect as other users"))
    func changesNeedAnOperatorReadsDoNot() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("admin.sock")
        let reloads = Reloads()
        var router = Self.router()
        router.register("reload") { _ in
            reloads.record()
            return AdminResponse(ok: true, message: "reloaded")
        }
        let server = AdminServer(
            socketPath: path,
            router: router,
            access: AdminAccess(
                daemon: UserAccount(name: "tandem", uid: 64998),
                operators: [UserAccount(name: "ops", uid: 64001)]
            ),
            group: MultiThreadedEventLoopGroup.singleton,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        let reader = UserAccount.describe(uid: 64000, name: UserAccount.withUID(64000)?.name)
        try await Self.serving(server) {
            let lines = try await NIOThreadPool.singleton.runIfActive {
                try RawAdminConnection(path: path, uid: 64000, gid: 64000)
                    .exchange("{\"command\":\"status\"}\n{\"command\":\"reload\"}\n", lines: 2)
            }
            #expect(try AdminCodec.decodeResponse(Array(lines[0].utf8)).status?.node == "lb-a")
            #expect(
                try AdminCodec.decodeResponse(Array(lines[1].utf8))
                    == .failure(
                        "reload needs root, the daemon's user (tandem) or node.admin_operators (ops); \(reader) may"
                            + " only read: add it to node.admin_operators"
                    )
            )
            #expect(reloads.value == 0, "a refused reload must not run")
            for uid: UInt32 in [64001, 64998, 0] {
                let line = try await NIOThreadPool.singleton.runIfActive {
                    try RawAdminConnection(path: path, uid: uid == 0 ? nil : uid)
                        .exchange("{\"command\":\"reload\"}\n", lines: 1)
                }
                #expect(try AdminCodec.decodeResponse(Array(line[0].utf8)).ok, "uid \(uid)")
            }
            #expect(reloads.value == 3)
        }
    }
}
