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
        /// Keeps the first bytes of each connection (`firstBytes`) and answers them with a small HTTP response that
        /// closes: a backend that shows what a proxy sent in front of the request.
        case recordAndAnswerHTTP
        /// Answers the first request head of each connection with `pieces`, each written and flushed 10 ms after
        /// the one before (so the proxy reads them apart), and keeps the connection: a server whose exact bytes
        /// (chunk extensions, trailers split across reads) a test chooses.
        case answerHTTPInPieces([String])
    }

    private let channel: any Channel
    private let accepted = Counter()
    /// With `recordAndAnswerHTTP`: the first read of each connection, as text.
    let firstBytes = EventLog<String>()

    var port: Int { channel.localAddress?.port ?? 0 }
    var acceptedConnections: Int { accepted.count }

    init(_ behaviour: Behaviour) async throws {
        let accepted = self.accepted
        let firstBytes = self.firstBytes
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                accepted.increment()
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        Handler(behaviour: behaviour, firstBytes: firstBytes)
                    )
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
        let firstBytes: EventLog<String>
        var received = 0

        init(behaviour: Behaviour, firstBytes: EventLog<String>) {
            self.behaviour = behaviour
            self.firstBytes = firstBytes
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
            case .recordAndAnswerHTTP:
                guard received == 0 else { return }
                received += bytes.readableBytes
                firstBytes.append(String(buffer: bytes))
                let answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: answer)), promise: nil)
            case .answerHTTPInPieces(let pieces):
                guard received == 0 else { return }
                received += bytes.readableBytes
                let bound = context.loopBound
                for (index, piece) in pieces.enumerated() {
                    context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(10 * Int64(index))) {
                        let context = bound.value
                        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: piece)), promise: nil)
                    }
                }
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
