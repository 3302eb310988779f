import NIOCore
import NIOPosix
import TandemNIOSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The shared socket plumbing of the helper and the admin socket: a socket file born with its mode, and the
/// peer's credentials as the kernel reports them.
@Suite struct UnixSocketFileTests {
    static func temporaryPath() -> String {
        "/tmp/tnl-socket-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
    }

    /// A listener on `path` whose accepted connections report their peer's credentials to `credentials`.
    static func listen(
        _ socket: NIOBSDSocket.Handle,
        credentials: EventLoopPromise<PeerCredentials>
    ) async throws -> any Channel {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                PeerCredentials.of(channel).map { credentials.succeed($0) }
            }
            .withBoundSocket(socket)
            .get()
    }

    /// The file gets the mode asked for, whatever the process umask (022 would leave 0755).
    @Test func bindGivesTheFileItsMode() throws {
        for mode: mode_t in [0o660, 0o600] {
            let path = Self.temporaryPath()
            let socket = try UnixSocketFile.bind(path: path, mode: mode)
            defer {
                close(socket)
                unlink(path)
            }
            var info = stat()
            #expect(lstat(path, &info) == 0)
            #expect(info.st_mode & S_IFMT == S_IFSOCK)
            #expect(info.st_mode & 0o7777 == mode)
        }
    }

    /// A socket file already there is replaced when asked, refused otherwise; a regular file is never removed.
    @Test func replacingOnlyASocket() throws {
        let path = Self.temporaryPath()
        defer { unlink(path) }
        let first = try UnixSocketFile.bind(path: path)
        close(first)
        #expect(throws: IOError.self) { try UnixSocketFile.bind(path: path) }
        let second = try UnixSocketFile.bind(path: path, replacingSocket: true)
        close(second)
        unlink(path)
        let file = open(path, O_CREAT | O_WRONLY, 0o600)
        close(file)
        #expect(throws: IOError.self) { try UnixSocketFile.bind(path: path, replacingSocket: true) }
        #expect(access(path, F_OK) == 0, "a regular file must not be removed")
    }

    /// The server reads the connecting thread's pid, effective uid and gid.
    @Test(.enabled(if: getuid() == 0, "needs root to connect as another user"))
    func peerCredentialsAreTheConnectingThreads() async throws {
        let path = Self.temporaryPath()
        let credentials = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: PeerCredentials.self)
        let listener = try await Self.listen(try UnixSocketFile.bind(path: path), credentials: credentials)
        defer { unlink(path) }
        let client = try RawLineClient(path: path, uid: 64020, gid: 64021)
        let peer = try await credentials.futureResult.get()
        #expect(peer == PeerCredentials(pid: getpid(), uid: 64020, gid: 64021))
        _ = consume client
        try await listener.close()
    }
}
