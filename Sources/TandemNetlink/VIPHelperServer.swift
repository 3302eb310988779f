import Logging
import NIOCore
import NIOPosix
import TandemNIOSupport

#if canImport(Glibc)
import Glibc
#endif

/// The privileged VIP helper: serves claim, release, announce and list on a Unix stream socket (mode 0660)
/// for allow-listed VIPs only, to root and the configured client users only (by the peer's `SO_PEERCRED`),
/// and releases a connection's VIPs when that connection closes.
///
/// Everything runs on one event loop: the netlink and packet sockets are created there, so they belong to
/// that thread's network namespace, and the claim state needs no lock. Closing the server closes every
/// client connection, which releases their VIPs (a helper that is gone could not release them later).
public final class VIPHelperServer: Sendable {
    /// The configuration served.
    public let configuration: VIPHelperConfiguration
    private let listener: Channel
    private let connections: NIOLoopBound<ConnectionSet>
    private let registry: NIOLoopBound<VIPClaimRegistry>

    /// The open client channels, for closing them on shutdown.
    private final class ConnectionSet {
        var channels: [ObjectIdentifier: Channel] = [:]
    }

    private init(
        configuration: VIPHelperConfiguration,
        listener: Channel,
        connections: NIOLoopBound<ConnectionSet>,
        registry: NIOLoopBound<VIPClaimRegistry>
    ) {
        self.configuration = configuration
        self.listener = listener
        self.connections = connections
        self.registry = registry
    }

    /// Binds the socket with mode 0660 (replacing a stale socket file) and starts serving on `eventLoop`.
    public static func start(
        configuration: VIPHelperConfiguration,
        eventLoop: EventLoop,
        logger: Logger
    ) async throws -> VIPHelperServer {
        let (connections, registry) = try await eventLoop.submit {
            (
                NIOLoopBound(ConnectionSet(), eventLoop: eventLoop),
                NIOLoopBound(
                    VIPClaimRegistry(configuration: configuration, eventLoop: eventLoop, logger: logger),
                    eventLoop: eventLoop
                )
            )
        }.get()
        let socket: NIOBSDSocket.Handle
        do {
            socket = try UnixSocketFile.bind(path: configuration.socketPath, mode: 0o660, replacingSocket: true)
        } catch let error as IOError {
            throw NetlinkError(code: .systemCall, errno: error.errnoCode, detail: "\(error)")
        }
        let listener = try await ServerBootstrap(group: eventLoop)
            .serverChannelOption(.backlog, value: 16)
            .serverChannelInitializer { channel in
                // Out of descriptors, accept fails at once: back off instead of spinning on the listener.
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptPauseHandler())
                }
            }
            .childChannelInitializer { channel in
                PeerCredentials.of(channel).flatMapThrowing { peer in
                    if let reason = configuration.access.refusal(
                        uid: peer.uid,
                        name: UserAccount.withUID(peer.uid)?.name
                    ) {
                        logger.warning("refused client", metadata: ["peer": "\(peer)", "reason": "\(reason)"])
                        try channel.pipeline.syncOperations.addHandler(VIPHelperRefusalHandler(reason: reason))
                        return
                    }
                    let id = ObjectIdentifier(channel)
                    connections.value.channels[id] = channel
                    channel.closeFuture.assumeIsolated().whenComplete { _ in
                        connections.value.channels[id] = nil
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(NewlineFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(
                        VIPHelperConnectionHandler(registry: registry.value, peer: peer, logger: logger)
                    )
                }
            }
            .withBoundSocket(socket)
            .get()
        logger.notice(
            "VIP helper listening",
            metadata: [
                "socket": "\(configuration.socketPath)",
                "allow": "\(configuration.allow.map(\.description).joined(separator: ", "))",
            ]
        )
        return VIPHelperServer(
            configuration: configuration,
            listener: listener,
            connections: connections,
            registry: registry
        )
    }

    /// Completes when the listener closes.
    public var closeFuture: EventLoopFuture<Void> {
        listener.closeFuture
    }

    /// Stops accepting, closes every client connection (releasing their VIPs) and removes the socket file.
    public func close() async {
        try? await listener.close()
        let eventLoop = listener.eventLoop
        let closing = try? await eventLoop.submit { [registry, connections] in
            registry.value.cancelTimers()
            return connections.value.channels.values.map { $0.close() }
        }.get()
        for future in closing ?? [] {
            try? await future.get()
        }
        unlink(configuration.socketPath)
    }
}
