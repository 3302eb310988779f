import NIOCore
import NIOHTTP1

/// Answers every request with the backend's current status and a short body.
final class TestHTTPBackendHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let stats: ConnectionStats
    private let status: StatusSource

    init(stats: ConnectionStats, status: StatusSource) {
        self.stats = stats
        self.status = status
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            stats.requestReceived(uri: head.uri)
        case .body:
            break
        case .end:
            let body = ByteBuffer(string: "ok\n")
            var headers = HTTPHeaders()
            headers.add(name: "Content-Length", value: "\(body.readableBytes)")
            let head = HTTPResponseHead(
                version: .http1_1,
                status: HTTPResponseStatus(statusCode: status.current),
                headers: headers
            )
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
