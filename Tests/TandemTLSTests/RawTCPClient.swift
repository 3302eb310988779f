import NIOCore
import NIOPosix

/// A plain TCP client that sends fixed bytes (not TLS, or broken TLS) and reports what came back once the
/// server closes the connection.
struct RawTCPClient {
    let channel: Channel
    let collector: ReceivedBytes
    let closed: EventLoopFuture<([UInt8], Bool)>

    /// Connects to 127.0.0.1:`port` and sends `bytes`; `halfClose` then shuts our sending side.
    static func send(_ bytes: [UInt8], port: Int, halfClose: Bool) async throws -> RawTCPClient {
        let collector = ReceivedBytes()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(collector)
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        // The server may already have closed on bad input: a failed write or half-close is part of the test.
        try? await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes))
        if halfClose {
            try? await channel.close(mode: .output)
        }
        let closed = channel.closeFuture.flatMap { _ in
            channel.eventLoop.submit { (collector.bytes, !collector.timedOut) }
        }
        return RawTCPClient(channel: channel, collector: collector, closed: closed)
    }

    /// Waits (at most `timeout`) for the connection to close, returning all bytes received and whether the
    /// server closed it (rather than the deadline).
    func waitForClose(timeout: Duration = .seconds(5)) async throws -> (bytes: [UInt8], closedByServer: Bool) {
        let deadline = channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) { [channel, collector] in
            collector.timedOut = true
            channel.close(promise: nil)
        }
        defer { deadline.cancel() }
        return try await closed.get()
    }
}

/// Collects bytes; closes fully when the server closes its side.
final class ReceivedBytes: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    /// Touched only on the channel's event loop.
    private(set) var bytes: [UInt8] = []
    /// Set when the test's deadline, not the server, ended the connection.
    var timedOut = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        bytes += unwrapInboundIn(data).readableBytesView
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event {
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
