import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix

/// What swift-nio-http2 costs by itself, for the `h2_floor` scenario of `scripts/bench.sh`: a cleartext HTTP/2
/// server (prior knowledge) on one event loop that answers every stream at once with a fixed 200, no server behind
/// it. Its CPU per request under h2load is the least any proxy built on NIOHTTP2 can spend per h2 request, before it
/// reads a byte from a server.
///
///     tandem-h2-floor PORT multiplexer   # one child channel per stream (NIOHTTP2's inline multiplexer), as Tandem
///     tandem-h2-floor PORT frames        # every stream's frames on the connection's own pipeline
///
/// Both bind 127.0.0.1 only.

/// Answers one stream on its child channel.
final class StreamResponder: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .headers(let headers) = unwrapInboundIn(data), headers.endStream else { return }
        context.write(wrapOutboundOut(.headers(.init(headers: Response.headers))), promise: nil)
        let body = HTTP2Frame.FramePayload.Data(data: .byteBuffer(Response.body), endStream: true)
        context.writeAndFlush(wrapOutboundOut(.data(body)), promise: nil)
    }
}

/// Answers every stream of a connection from its pipeline, by stream ID; one flush per read burst.
final class ConnectionResponder: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard case .headers(let headers) = frame.payload, headers.endStream else { return }
        let head = HTTP2Frame(streamID: frame.streamID, payload: .headers(.init(headers: Response.headers)))
        context.write(wrapOutboundOut(head), promise: nil)
        let body = HTTP2Frame.FramePayload.Data(data: .byteBuffer(Response.body), endStream: true)
        context.write(wrapOutboundOut(HTTP2Frame(streamID: frame.streamID, payload: .data(body))), promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
        context.fireChannelReadComplete()
    }
}

enum Response {
    static let headers = HPACKHeaders([(":status", "200"), ("content-type", "text/plain"), ("content-length", "2")])
    static let body = ByteBuffer(string: "ok")
}

let arguments = CommandLine.arguments
guard arguments.count == 3, let port = Int(arguments[1]), ["multiplexer", "frames"].contains(arguments[2]) else {
    print("usage: tandem-h2-floor PORT multiplexer|frames")
    exit(2)
}
let usesMultiplexer = arguments[2] == "multiplexer"
let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let server = try ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 1024)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            if usesMultiplexer {
                _ = try pipeline.configureHTTP2Pipeline(
                    mode: .server,
                    connectionConfiguration: .init(),
                    streamConfiguration: .init()
                ) { stream in
                    stream.eventLoop.makeCompletedFuture {
                        try stream.pipeline.syncOperations.addHandler(StreamResponder())
                    }
                }
            } else {
                try pipeline.addHandler(NIOHTTP2Handler(mode: .server))
                try pipeline.addHandler(ConnectionResponder())
            }
        }
    }
    .bind(host: "127.0.0.1", port: port)
    .wait()
try server.closeFuture.wait()
