import NIOCore
import NIOPosix

/// A TCP listener on 127.0.0.1 that either never answers or sends fixed bytes once a request arrives.
final class RawTCPServer: Sendable {
    /// What the server does with a connection.
    enum Behavior: Sendable {
        /// Accepts and reads, never writes.
        case silent
        /// Answers the first bytes it reads with these bytes.
        case reply(String)
        /// Closes the connection as soon as bytes arrive.
        case closeOnRead
    }

    let stats = ConnectionStats()
    /// Everything received, as text, chunk by chunk.
    let received = AwaitableLog<String>()
    private let serverChannel: any Channel

    var address: SocketAddress { serverChannel.localAddress! }

    init(group: any EventLoopGroup, behavior: Behavior) async throws {
        let stats = self.stats
        let received = self.received
        serverChannel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ConnectionCountingHandler(stats: stats))
                    try channel.pipeline.syncOperations.addHandler(
                        RawReplyHandler(behavior: behavior, received: received)
                    )
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
    }

    func close() async throws {
        try await serverChannel.close()
    }

    /// The address of a port that was just bound and closed, so connects to it are refused.
    static func closedPort(group: any EventLoopGroup) async throws -> SocketAddress {
        let server = try await RawTCPServer(group: group, behavior: .silent)
        let address = server.address
        try await server.close()
        return address
    }
}
