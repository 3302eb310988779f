import NIOCore
import NIOHTTP1
import NIOPosix

/// An HTTP/1.1 server on 127.0.0.1 owned by a test: it records every request head it receives and
/// counts the connections it accepts, and answers as its `BackendBehaviour` says.
final class TestBackend: Sendable {
    let name: String
    let requests = EventLog<HTTPRequestHead>()
    /// Requests being answered now, and the most at once.
    let gauge = ConcurrencyGauge()
    private let children = ChannelSet()
    private let accepted = Counter()
    /// One entry per accepted connection that closed since.
    let closedConnections = EventLog<Void>()
    private let serverChannel: any Channel

    var port: Int { serverChannel.localAddress?.port ?? 0 }
    var acceptedConnections: Int { accepted.count }

    init(name: String, behaviour: BackendBehaviour = .answerName) async throws {
        self.name = name
        let requests = self.requests
        let accepted = self.accepted
        let closedConnections = self.closedConnections
        let gauge = self.gauge
        let children = self.children
        serverChannel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                accepted.increment()
                children.insert(channel)
                channel.closeFuture.whenComplete { _ in closedConnections.append(()) }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(
                        TestBackendHandler(name: name, behaviour: behaviour, requests: requests, gauge: gauge)
                    )
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
    }

    /// Stops listening; connections already accepted are left to their peers.
    func close() async {
        try? await serverChannel.close()
    }

    /// Stops listening and closes every accepted connection: the server is gone.
    func shutDown() async {
        try? await serverChannel.close()
        await children.closeAll()
    }
}
