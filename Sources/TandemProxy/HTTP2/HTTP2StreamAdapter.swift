import NIOCore
import NIOHPACK
import NIOHTTP2

/// The bridge between one HTTP/2 stream and the HTTP/1.1 engine: it sits on the stream's child channel in front of a
/// `ClientConnectionHandler`, which serves the stream as a connection carrying one request.
///
/// Inbound, the request's HEADERS, DATA and trailers become the HTTP/1.1 bytes of ``HTTP2RequestWriter``; outbound,
/// the response bytes the engine writes become HEADERS, DATA and trailers through ``HTTP2ResponseReader``. Nothing is
/// buffered here beyond one write: flow control follows the engine's backpressure, because the engine holds its
/// `read()` while the server cannot take more, the stream channel delivers no further DATA until it reads, and
/// NIOHTTP2 opens the stream's window only for DATA delivered. A slow server therefore closes the client's window
/// instead of growing a buffer.
final class HTTP2StreamAdapter: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = HTTP2Frame.FramePayload

    /// Told to the engine instead of a head the adapter refused before writing it: the engine answers `answer` and
    /// logs `requestLine` (`METHOD PATH HTTP/1.1`) as the line received.
    struct HeadRefused {
        var requestLine: ByteBuffer
        var answer: ProxyErrorResponse
    }

    private enum Request {
        case awaitingHead
        case body(HTTP2RequestWriter.BodyFraming)
        case ended
    }

    private var request = Request.awaitingHead
    /// Made with the request head, which says whether the response to come has a body (HEAD).
    private var response: HTTP2ResponseReader?
    /// Completes when the frame that ends the response has left the stream: a stream's frames wait there for the
    /// client's window, and a close before then would drop them (and reset the stream).
    private var responseSent: EventLoopFuture<Void>?
    /// Whether a frame was written since the last flush. The engine flushes several times per response (at the
    /// response's end, before a close, at read completion); each flush of a stream runs through NIOHTTP2 and TLS,
    /// so only one that has a frame to send goes on.
    private var unflushed = false
    /// SETTINGS_MAX_HEADER_LIST_SIZE, which NIOHTTP2 advertises but does not enforce on what it decodes.
    private let maxHeaderListSize: Int
    /// The client ended its side of the stream (END_STREAM seen): a response complete before then is followed by
    /// RST_STREAM NO_ERROR, which tells the client to stop sending the rest (RFC 9113 §8.1).
    private var clientEnded = false

    init(maxHeaderListSize: Int) {
        self.maxHeaderListSize = maxHeaderListSize
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame {
        case .headers(let headers): if headers.endStream { clientEnded = true }
        case .data(let payload): if payload.endStream { clientEnded = true }
        default: break
        }
        switch frame {
        case .headers(let headers):
            switch request {
            case .awaitingHead:
                // RFC 9113 §6.5.2: each field counts its name, its value and 32 bytes.
                let listSize = headers.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 32 }
                guard listSize <= maxHeaderListSize else {
                    refuseTooLarge(context, headers.headers)
                    return
                }
                var bytes = context.channel.allocator.buffer(capacity: 512)
                switch HTTP2RequestWriter.writeHead(headers.headers, endStream: headers.endStream, into: &bytes) {
                case .failure:
                    reset(context, .protocolError)
                case .success(let framing):
                    response = HTTP2ResponseReader(requestWasHEAD: headers.headers.first(name: ":method") == "HEAD")
                    request = headers.endStream ? .ended : .body(framing)
                    context.fireChannelRead(wrapInboundOut(bytes))
                }
            case .body(let framing):
                // Trailers: NIOHTTP2 lets a second HEADERS through only with END_STREAM.
                var bytes = context.channel.allocator.buffer(capacity: 256)
                request = .ended
                switch HTTP2RequestWriter.writeTrailers(headers.headers, framing: framing, into: &bytes) {
                case .failure: reset(context, .protocolError)
                case .success: if bytes.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(bytes)) }
                }
            case .ended:
                break
            }
        case .data(let payload):
            guard case .body(let framing) = request, case .byteBuffer(let data) = payload.data else { return }
            if payload.endStream { request = .ended }
            if framing == .chunked {
                var bytes = context.channel.allocator.buffer(capacity: data.readableBytes + 24)
                HTTP2RequestWriter.writeData(data, framing: framing, endStream: payload.endStream, into: &bytes)
                if bytes.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(bytes)) }
            } else if data.readableBytes > 0 {
                // The body passes as the frame's own bytes: no copy.
                context.fireChannelRead(wrapInboundOut(data))
            }
        case .rstStream, .priority, .windowUpdate, .settings, .ping, .goAway, .pushPromise, .alternativeService,
            .origin:
            // A reset closes the stream channel, which tells the engine; the rest concern the connection.
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // A stream can close inside the engine's own flush (its last frame closed it): tell the engine once that
        // call has returned, so that it finishes the exchange it is in before it learns the client is gone.
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.eventLoop.execute { bound.value.fireChannelInactive() }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let bytes = unwrapOutboundIn(data)
        guard bytes.readableBytes > 0 else {
            // The engine's flush marker before a close: done once the response is out.
            if let responseSent, let promise {
                responseSent.cascade(to: promise)
            } else {
                promise?.succeed(())
            }
            return
        }
        guard var reader = response else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        let result = reader.read(bytes)
        response = reader
        switch result {
        case .failure:
            promise?.fail(ChannelError.ioOnClosedChannel)
            reset(context, .internalError)
        case .success(let parts):
            guard let last = parts.indices.last else {
                promise?.succeed(())
                return
            }
            for index in parts.indices {
                var framePromise = index == last ? promise : nil
                if Self.endsStream(parts[index]) {
                    let sent = context.eventLoop.makePromise(of: Void.self)
                    responseSent = sent.futureResult
                    if let framePromise { sent.futureResult.cascade(to: framePromise) }
                    framePromise = sent
                }
                context.write(wrapOutboundOut(Self.payload(parts[index])), promise: framePromise)
            }
            unflushed = true
        }
    }

    func flush(context: ChannelHandlerContext) {
        guard unflushed else { return }
        unflushed = false
        context.flush()
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        // A response delimited by the close ends with the stream.
        if let last = response?.finish() {
            let sent = context.eventLoop.makePromise(of: Void.self)
            responseSent = sent.futureResult
            context.write(wrapOutboundOut(Self.payload(last)), promise: sent)
            unflushed = false
            context.flush()
        }
        guard let responseSent else {
            context.close(mode: mode, promise: promise)
            return
        }
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let clientEnded = self.clientEnded
        responseSent.whenComplete { sent in
            if case .success = sent, !clientEnded {
                bound.value.writeAndFlush(NIOAny(HTTP2Frame.FramePayload.rstStream(.noError)), promise: nil)
            }
            bound.value.close(mode: mode, promise: promise)
        }
    }

    private static func endsStream(_ part: HTTP2ResponseReader.Part) -> Bool {
        switch part {
        case .head(_, let endStream), .data(_, let endStream): endStream
        case .trailers: true
        }
    }

    /// A header list over the limit: the head is never built, but the engine answers 431 and logs it as it does a
    /// head it refused itself (access log, response metrics), from the request line alone.
    private func refuseTooLarge(_ context: ChannelHandlerContext, _ headers: HPACKHeaders) {
        request = .ended
        let method = headers.first(name: ":method") ?? "-"
        response = HTTP2ResponseReader(requestWasHEAD: method == "HEAD")
        let path = (headers.first(name: ":path") ?? "-").utf8.prefix(AccessLogFormatter.maxTargetBytes)
        var line = context.channel.allocator.buffer(capacity: method.utf8.count + path.count + 11)
        line.writeString(method)
        line.writeInteger(HTTPSyntax.space)
        line.writeBytes(path)
        line.writeString(" HTTP/1.1\r\n")
        let answer = ProxyErrorResponse.headersTooLarge("the header list is over \(maxHeaderListSize) bytes")
        context.fireUserInboundEventTriggered(HeadRefused(requestLine: line, answer: answer))
    }

    private func reset(_ context: ChannelHandlerContext, _ code: HTTP2ErrorCode) {
        request = .ended
        context.writeAndFlush(wrapOutboundOut(.rstStream(code)), promise: nil)
    }

    private static func payload(_ part: HTTP2ResponseReader.Part) -> HTTP2Frame.FramePayload {
        switch part {
        case .head(let headers, let endStream):
            .headers(.init(headers: headers, endStream: endStream))
        case .data(let data, let endStream):
            .data(.init(data: .byteBuffer(data), endStream: endStream))
        case .trailers(let trailers):
            .headers(.init(headers: trailers, endStream: true))
        }
    }
}
