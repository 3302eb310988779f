import NIOCore
import NIOHTTP1

/// The per-connection side of a `TestBackend`.
final class TestBackendHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private static let chunkSize = 64 * 1024

    private let name: String
    private let behaviour: BackendBehaviour
    private let requests: EventLog<HTTPRequestHead>
    private let gauge: ConcurrencyGauge
    private var uri = "/"
    private var keepAlive = true
    private var isHeadRequest = false
    private var bodyBytes = 0
    /// Bytes of a generated body still to write.
    private var remaining = 0
    private var chunk: ByteBuffer?

    init(name: String, behaviour: BackendBehaviour, requests: EventLog<HTTPRequestHead>, gauge: ConcurrencyGauge) {
        self.name = name
        self.behaviour = behaviour
        self.requests = requests
        self.gauge = gauge
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            keepAlive = head.isKeepAlive
            isHeadRequest = head.method == .HEAD
            bodyBytes = 0
            uri = head.uri
            gauge.enter()
            requests.append(head)
            switch behaviour {
            case .closeOnHead: context.close(promise: nil)
            case .answerOnHead: respond(body: name, context: context)
            case .headEarlyBodyAtEnd:
                writeHead(contentLength: name.utf8.count, context: context)
                context.flush()
            default: break
            }
        case .body(let buffer):
            bodyBytes += buffer.readableBytes
        case .end:
            requestEnded(context: context)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        pump(context: context)
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func requestEnded(context: ChannelHandlerContext) {
        switch behaviour {
        case .answerName:
            respond(body: name, context: context)
        case .answerNameAfter(let delay):
            let loopBound = context.loopBound
            context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
                respond(body: name, context: loopBound.value)
            }
        case .countBody:
            respond(body: String(bodyBytes), context: context)
        case .generateBody(let bytes):
            writeHead(contentLength: bytes, context: context)
            remaining = bytes
            chunk = context.channel.allocator.buffer(repeating: UInt8(ascii: "x"), count: Self.chunkSize)
            pump(context: context)
        case .scripted(let script):
            let status = HTTPResponseStatus(statusCode: script.status)
            guard uri.hasPrefix("/slow") else {
                respond(body: name, status: status, context: context)
                return
            }
            let loopBound = context.loopBound
            if let gate = script.gate {
                gate.wait(on: context.eventLoop).assumeIsolated().whenSuccess { [self] in
                    respond(body: name, status: status, context: loopBound.value)
                }
                return
            }
            context.eventLoop.assumeIsolated().scheduleTask(in: script.slowDelay) { [self] in
                respond(body: name, status: status, context: loopBound.value)
            }
        case .neverAnswer, .answerOnHead:
            break
        case .headEarlyBodyAtEnd:
            context.write(
                wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: name)))),
                promise: nil
            )
            finish(context: context)
        case .stallMidResponse(let declared, let sent):
            writeHead(contentLength: declared, context: context)
            let body = context.channel.allocator.buffer(repeating: UInt8(ascii: "y"), count: sent)
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        case .earlyHints:
            var hints = HTTPHeaders()
            hints.add(name: "Link", value: "</style.css>; rel=preload")
            let head = HTTPResponseHead(version: .http1_1, status: .init(statusCode: 103), headers: hints)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            respond(body: name, context: context)
        case .switchProtocols:
            var headers = HTTPHeaders()
            headers.add(name: "Upgrade", value: "websocket")
            headers.add(name: "Connection", value: "upgrade")
            let head = HTTPResponseHead(version: .http1_1, status: .switchingProtocols, headers: headers)
            context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
        case .closeOnHead, .closeOnEnd:
            context.close(promise: nil)
        case .dieMidResponse(let declared, let sent):
            writeHead(contentLength: declared, context: context)
            let body = context.channel.allocator.buffer(repeating: UInt8(ascii: "y"), count: sent)
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(body)))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        }
    }

    private func writeHead(contentLength: Int, status: HTTPResponseStatus = .ok, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Length", value: String(contentLength))
        headers.add(name: "X-Backend", value: name)
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))),
            promise: nil
        )
    }

    private func respond(body text: String, status: HTTPResponseStatus = .ok, context: ChannelHandlerContext) {
        writeHead(contentLength: text.utf8.count, status: status, context: context)
        if isHeadRequest {
            finish(context: context)
            return
        }
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: text)))), promise: nil)
        finish(context: context)
    }

    /// Writes generated chunks while the connection can take them; resumes on writability.
    private func pump(context: ChannelHandlerContext) {
        guard let chunk, remaining > 0 else { return }
        while remaining > 0, context.channel.isWritable {
            let size = min(remaining, chunk.readableBytes)
            remaining -= size
            context.write(
                wrapOutboundOut(.body(.byteBuffer(chunk.getSlice(at: chunk.readerIndex, length: size)!))),
                promise: nil
            )
        }
        if remaining == 0 {
            // A flush above can make the channel writable again and re-enter this method, which then finished.
            guard self.chunk != nil else { return }
            self.chunk = nil
            finish(context: context)
        } else {
            context.flush()
        }
    }

    private func finish(context: ChannelHandlerContext) {
        gauge.leave()
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}
