import NIOCore
import NIOPosix
import TandemTLS

/// A listener on 127.0.0.1 with `TLSServerHandler` first in every connection, followed by a tiny application.
struct TLSTestServer {
    enum Application {
        /// Answers the first request head with 200 and a body naming SNI, ALPN, resumption and version, then closes.
        case http
        /// Echoes everything; closes (with close_notify) after echoing `closeAfter` bytes.
        case echo(closeAfter: Int)
    }

    let channel: Channel
    var port: Int { channel.localAddress!.port! }

    static func start(context: TLSContext, application: Application) async throws -> TLSTestServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try addTLSServerHandler(to: channel.pipeline.syncOperations, context: context)
                    switch application {
                    case .http:
                        try channel.pipeline.syncOperations.addHandler(HTTPInfoResponder())
                    case .echo(let limit):
                        try channel.pipeline.syncOperations.addHandler(EchoHandler(closeAfter: limit))
                    }
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return TLSTestServer(channel: channel)
    }

    func stop() async throws {
        try await channel.close()
    }
}

/// Replies to one HTTP/1.1 request head with what the TLS handshake negotiated, then closes.
final class HTTPInfoResponder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var head = ""
    private var handshake: TLSHandshakeCompleted?
    private var answered = false

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSHandshakeCompleted {
            handshake = event
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        head += String(buffer: unwrapInboundIn(data))
        guard !answered, head.contains("\r\n\r\n") || head.contains("\n\n") else {
            return
        }
        answered = true
        let body =
            [
                "sni=\(handshake?.serverName ?? "-")",
                "alpn=\(handshake?.applicationProtocol ?? "-")",
                "resumed=\(handshake?.sessionResumed ?? false)",
                "version=\(handshake?.protocolVersion ?? "-")",
            ].joined(separator: "\n") + "\n"
        let response = "HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: response))).assumeIsolated()
            .whenComplete { _ in context.close(promise: nil) }
    }
}

/// Echoes bytes; closes after `closeAfter` bytes have been echoed.
final class EchoHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let closeAfter: Int
    private var echoed = 0

    init(closeAfter: Int) {
        self.closeAfter = closeAfter
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        echoed += buffer.readableBytes
        context.write(data, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
        if echoed >= closeAfter {
            context.close(promise: nil)
        }
    }
}
