import Logging
import NIOCore
import NIOPosix
import TandemNIOSupport
import Testing

@testable import TandemNetlink

#if canImport(Glibc)
import Glibc
#endif

/// Who may use the VIP helper: root and the client users, by the uid the kernel reports for the peer.
@Suite struct VIPHelperAccessTests {
    static let tandem = UserAccount(name: "tandem", uid: 998)

    /// Root and the client users are served; anyone else is told who may.
    @Test func rootAndClientsOnly() {
        let access = VIPHelperAccess(clients: [Self.tandem])
        #expect(access.refusal(uid: 0, name: "root") == nil)
        #expect(access.refusal(uid: 998, name: "tandem") == nil)
        #expect(
            access.refusal(uid: 1234, name: "alice")
                == "uid 1234 (alice) may not use the VIP helper: only root and tandem"
        )
        #expect(access.refusal(uid: 1234, name: nil) == "uid 1234 may not use the VIP helper: only root and tandem")
    }

    /// Without client users (the default user is absent on this host) only root is served.
    @Test func rootOnly() {
        #expect(
            VIPHelperAccess().refusal(uid: 998, name: "tandem")
                == "uid 998 (tandem) may not use the VIP helper: only root"
        )
        let three = VIPHelperAccess(clients: [Self.tandem, UserAccount(name: "ops", uid: 999)])
        #expect(three.refusal(uid: 5, name: nil) == "uid 5 may not use the VIP helper: only root, tandem and ops")
    }

    /// The name is looked up only for a refusal.
    @Test func nameIsLookedUpOnlyToRefuse() {
        var lookups = 0
        func name() -> String? {
            lookups += 1
            return nil
        }
        _ = VIPHelperAccess(clients: [Self.tandem]).refusal(uid: 998, name: name())
        #expect(lookups == 0)
    }
}

/// The helper's socket for real (outside any namespace: no VIP is claimed, so nothing touches an interface).
@Suite(.enabled(if: getuid() == 0, "needs root to connect as other users"))
struct VIPHelperSocketIdentityTests {
    static let client = UserAccount(name: "tdm-client", uid: 64010)

    func withHelper(_ body: (String) async throws -> Void) async throws {
        let path = "/tmp/tnl-identity-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        let server = try await VIPHelperServer.start(
            configuration: VIPHelperConfiguration(
                socketPath: path,
                allow: [VIPAllowRule(parsing: "198.18.5.100/24@tdm-none0")!],
                access: VIPHelperAccess(clients: [Self.client])
            ),
            eventLoop: MultiThreadedEventLoopGroup.singleton.next(),
            logger: Logger(label: "test.vip-helper") { _ in SwiftLogNoOpLogHandler() }
        )
        do {
            try await body(path)
            await server.close()
        } catch {
            await server.close()
            throw error
        }
    }

    /// The socket file has mode 0660 as soon as the helper serves (no chmod window), and root is served.
    @Test func socketIsCreated0660() async throws {
        try await withHelper { path in
            var info = stat()
            #expect(lstat(path, &info) == 0)
            #expect(info.st_mode & S_IFMT == S_IFSOCK)
            #expect(info.st_mode & 0o7777 == 0o660)
            let root = try RawLineClient(path: path)
            root.write(Array(#"{"op":"list"}"#.utf8) + [10])
            #expect(root.readLine() == #"{"ok":true,"vips":[]}"#)
        }
    }

    /// Another user gets one error line naming who may, then the connection closes; a client user is served.
    @Test func refusesOtherUsersServesClients() async throws {
        try await withHelper { path in
            let other = try RawLineClient(path: path, uid: 64011, gid: 64011)
            other.write(Array(#"{"op":"list"}"#.utf8) + [10])
            let name = UserAccount.describe(uid: 64011, name: UserAccount.withUID(64011)?.name)
            #expect(
                other.readLine()
                    == #"{"error":"\#(name) may not use the VIP helper: only root and tdm-client","ok":false}"#
            )
            #expect(other.readLine() == nil, "the helper must close a refused connection")

            let allowed = try RawLineClient(path: path, uid: Self.client.uid, gid: 64010)
            allowed.write(Array(#"{"op":"list"}"#.utf8) + [10])
            #expect(allowed.readLine() == #"{"ok":true,"vips":[]}"#)
        }
    }
}
