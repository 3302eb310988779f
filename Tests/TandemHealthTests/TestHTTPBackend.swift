import NIOCore
import NIOHTTP1
import NIOPosix

/// An HTTP server on 127.0.0.1 whose answer status can be switched while it runs; it counts connections and
/// requests.
final class TestHTTPBackend: Sendable {
    let stats = ConnectionStats()
    private let status = StatusSource(200)
    private let serverChannel: any Channel

    var address: SocketAddress { serverChannel.localAddress! }

    init(group: any EventLoopGroup) async throws {
        let stats = self.stats
        let status = self.status
        serverChannel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ConnectionCountingHandler(stats: stats))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(TestHTTPBackendHandler(stats: stats, status: status))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
    }

    /// Sets the status of every following response.
    func setStatus(_ code: Int) { status.set(code) }

    func close() async throws {
        try await serverChannel.close()
    }
}
