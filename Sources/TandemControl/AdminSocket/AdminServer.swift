import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import TandemNIOSupport

#if canImport(Glibc)
import Glibc
#endif

/// The daemon's admin API: newline-delimited JSON requests on a Unix stream socket (`node.admin`, created with
/// mode 0660), answered by an ``AdminRouter`` for the commands ``AdminAccess`` lets the peer run.
///
/// A socket file left by a crashed daemon is replaced; a socket another live daemon still serves is not (start
/// fails instead, so two daemons never share one admin path). The file is removed at shutdown. On graceful
/// shutdown the server stops accepting and closes its connections.
public final class AdminServer: Service, Sendable {
    private typealias Connection = NIOAsyncChannel<ByteBuffer, ByteBuffer>
    private typealias Listener = NIOAsyncChannel<(Connection, PeerCredentials), Never>

    /// The socket path served.
    public let socketPath: String
    private let router: AdminRouter
    private let access: AdminAccess
    private let group: any EventLoopGroup
    private let logger: Logger
    private let listener = Mutex<(channel: Listener, inode: UInt64)?>(nil)

    /// - Parameters:
    ///   - socketPath: where to serve (`node.admin`).
    ///   - router: the commands served.
    ///   - access: who may run which command (default: changes only by root and this process's user).
    ///   - group: the event loops for the socket.
    public init(
        socketPath: String,
        router: AdminRouter,
        access: AdminAccess = .forThisProcess(),
        group: any EventLoopGroup,
        logger: Logger
    ) {
        self.socketPath = socketPath
        self.router = router
        self.access = access
        self.group = group
        self.logger = logger
    }

    /// Binds the socket now (so the daemon can refuse to start with a clear error); ``run()`` binds if needed.
    public func bind() async throws(AdminServerError) {
        if listener.withLock({ $0 }) != nil { return }
        try removeStaleSocket()
        let channel: Listener
        do {
            let socket = try UnixSocketFile.bind(path: socketPath, mode: 0o660)
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 16)
                .serverChannelInitializer { listener in
                    // Out of descriptors, pause accepting instead of spinning (NIO's own backoff cannot stop that).
                    listener.eventLoop.makeCompletedFuture {
                        try listener.pipeline.syncOperations.addHandler(AcceptPauseHandler())
                    }
                }
                .bind(socket) { child in
                    PeerCredentials.of(child).flatMapThrowing { peer in
                        try child.pipeline.syncOperations.addHandler(ByteToMessageHandler(AdminLineDecoder()))
                        return (try Connection(wrappingChannelSynchronously: child), peer)
                    }
                }
        } catch {
            throw AdminServerError(socketPath: socketPath, message: "cannot listen: \(error)")
        }
        var info = stat()
        let inode = stat(socketPath, &info) == 0 ? UInt64(info.st_ino) : 0
        listener.withLock { $0 = (channel, inode) }
        logger.info("admin socket listening", metadata: ["socket": "\(socketPath)"])
    }

    /// Serves until graceful shutdown or cancellation, then closes the socket, every connection, and removes
    /// the socket file. Shutdown closes the channels explicitly, so it never depends on a pending read noticing
    /// cancellation.
    public func run() async throws {
        try await bind()
        guard let (channel, inode) = listener.withLock({ $0 }) else { return }
        defer { removeOwnSocket(inode: inode) }
        let router = self.router
        let access = self.access
        let logger = self.logger
        let open = OpenConnections()
        await withTaskCancellationOrGracefulShutdownHandler {
            await withDiscardingTaskGroup { connections in
                do {
                    try await channel.executeThenClose { inbound in
                        for try await (connection, peer) in inbound {
                            guard open.insert(connection.channel) else {
                                try? await connection.channel.close()
                                continue
                            }
                            connections.addTask {
                                await Self.serve(connection, peer: peer, router: router, access: access, logger: logger)
                                open.remove(connection.channel)
                            }
                        }
                    }
                } catch {
                    if !open.isClosed { logger.error("admin socket failed: \(error)") }
                }
            }
        } onCancelOrGracefulShutdown: {
            channel.channel.close(promise: nil)
            for connection in open.closeAll() {
                connection.close(promise: nil)
            }
        }
    }

    /// Answers each request line of one connection in order until the client closes it; a command `access`
    /// refuses is answered with the reason and logged, and never reaches the router.
    private static func serve(
        _ connection: Connection,
        peer: PeerCredentials,
        router: AdminRouter,
        access: AdminAccess,
        logger: Logger
    ) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                for try await line in inbound {
                    let response: AdminResponse
                    do {
                        let request = try AdminCodec.decodeRequest(line.readableBytesView)
                        let uid = peer.uid
                        switch access.decide(request.command, uid: uid, name: UserAccount.withUID(uid)?.name) {
                        case .allowed:
                            response = await router.respond(to: request)
                        case .refused(let reason):
                            logger.warning(
                                "admin command refused",
                                metadata: ["command": "\(request.command)", "peer": "\(peer)", "reason": "\(reason)"]
                            )
                            response = .failure(reason)
                        }
                    } catch {
                        response = .failure("\(error)")
                    }
                    try await outbound.write(ByteBuffer(bytes: AdminCodec.encode(response)))
                }
            }
        } catch {
            logger.debug("admin connection closed: \(error)")
        }
    }

    /// Removes a socket file nobody serves; refuses a live socket or a file that is not a socket.
    private func removeStaleSocket() throws(AdminServerError) {
        var info = stat()
        guard lstat(socketPath, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw AdminServerError(
                socketPath: socketPath,
                message: "exists and is not a socket; remove it or change node.admin"
            )
        }
        if AdminClient.isServing(socketPath: socketPath) {
            throw AdminServerError(
                socketPath: socketPath,
                message: "another tandem daemon is serving this admin socket; stop it or change node.admin"
            )
        }
        unlink(socketPath)
    }

    /// Removes the socket file if it is still the one this server created.
    private func removeOwnSocket(inode: UInt64) {
        var info = stat()
        if stat(socketPath, &info) == 0, UInt64(info.st_ino) == inode {
            unlink(socketPath)
        }
        listener.withLock { $0 = nil }
    }
}
