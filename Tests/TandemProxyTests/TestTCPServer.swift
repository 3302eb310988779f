import NIOCore
import NIOPosix

/// A plain TCP server on 127.0.0.1 owned by a test, for the layer-4 frontends: it counts the connections it accepts
/// and speaks as its `Behaviour` says.
final class TestTCPServer: Sendable {
    enum Behaviour: Sendable {
        /// Writes back every byte it reads.
        case echo
        /// Says `banner` as soon as a client connects (like SMTP), then echoes.
        case banner(String)
        /// Reads until the client half-closes, then answers `received N` and closes (a request/response protocol
        /// that ends its request by closing its write side).
        case answerAtEndOfInput
    }

    private let channel: any Channel
    private let accepted = Counter()

    var port: Int { channel.localAddress?.port ?? 0 }
    var acceptedConnections: Int { accepted.count }

    init(_ behaviour: Behaviour) async throws {
        let accepted = self.accepted
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                accepted.increment()
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Handler(behaviour: behaviour))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
    }

    func close() async {
        try? await channel.close()
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        let behaviour: Behaviour
        var received = 0

        init(behaviour: Behaviour) {
            self.behaviour = behaviour
        }

        func channelActive(context: ChannelHandlerContext) {
            if case .banner(let text) = behaviour {
                context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: text)), promise: nil)
            }
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = unwrapInboundIn(data)
            switch behaviour {
            case .echo, .banner: context.write(wrapOutboundOut(bytes), promise: nil)
            case .answerAtEndOfInput: received += bytes.readableBytes
            }
        }

        func channelReadComplete(context: ChannelHandlerContext) {
            context.flush()
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            guard case ChannelEvent.inputClosed = event else { return }
            guard case .answerAtEndOfInput = behaviour else {
                context.close(promise: nil)
                return
            }
            let answer = context.channel.allocator.buffer(string: "received \(received)")
            context.writeAndFlush(wrapOutboundOut(answer)).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
