import NIOCore

/// What an upstream connection reports to the client connection that currently owns it. Both live on the same event
/// loop, so these are plain calls, not hops.
protocol UpstreamDelegate: AnyObject {
    /// A response head arrived (interim or final). For a final head, the delegate may set
    /// ``UpstreamConnectionHandler/decodesChunkedBody`` before returning (an HTTP/1.0 client cannot take chunked).
    func upstreamReceivedHead(_ head: ResponseHead)
    /// Response body bytes, exactly as the server framed them (or decoded, see above).
    func upstreamReceivedBody(_ bytes: ByteBuffer)
    /// The response is complete; `reusable` is false when the server sent more than the response or said close.
    func upstreamReceivedEnd(reusable: Bool)
    func upstreamReadComplete()
    func upstreamWritabilityChanged(isWritable: Bool)
    /// The connection failed or closed before the response was complete; `invalidResponse` names what the server
    /// got wrong when it sent something unparsable.
    func upstreamFailed(invalidResponse: String?)
}

/// The server side of a proxied exchange: one keep-alive HTTP/1.1 connection to one server, speaking bytes.
///
/// It finds the response head with `ResponseHeadParser` and delimits the body with a `BodyFramer`, handing the bytes
/// on as they arrived. It holds its reads while the client cannot take more (`readsPaused`), which is how a slow
/// client slows the server down instead of filling memory. Between exchanges it sits in an `UpstreamPool` with an
/// idle timer; a server that talks then is out of step and is dropped.
final class UpstreamConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Residence {
        /// Serving an exchange.
        case busy
        /// Waiting in a pool since `since`, to be closed after the idle timeout.
        case pooled(UpstreamPool, server: Int, since: NIODeadline)
        /// The channel is closed.
        case closed
    }

    private enum Reading {
        /// No exchange: nothing may arrive.
        case idle
        /// Waiting for a (next) response head; `scanned` bytes of `inbound` are known not to end it.
        case head(scanned: Int)
        /// Inside a response body.
        case body(BodyFramer, keepAlive: Bool)
    }

    /// The largest response head accepted.
    static let maxHeadBytes = 64 * 1024

    weak var delegate: (any UpstreamDelegate)?
    /// Set by the delegate while it handles a final head: hand on chunk data only.
    var decodesChunkedBody = false
    private(set) var context: ChannelHandlerContext?
    private var residence: Residence = .busy
    /// The idle check: armed when the connection first enters a pool and re-armed lazily when it fires, so a
    /// connection reused for request after request costs no scheduled task per request.
    private var idleTimer: Scheduled<Void>?
    private var reading: Reading = .idle
    private var requestWasHEAD = false
    /// The current response body is delimited by the close of the connection.
    private var framingEndsAtClose = false
    private var inbound: ByteBuffer?
    private var pendingRead = false

    var readsPaused = false {
        didSet {
            guard !readsPaused, oldValue, let context else { return }
            // Bytes kept while paused are handed on first, and flushed: no read cycle follows to flush them, and
            // unflushed bytes would keep the client unwritable for ever.
            process(context: context)
            delegate?.upstreamReadComplete()
            if pendingRead, !readsPaused {
                pendingRead = false
                context.read()
            }
        }
    }

    var isWritable: Bool { context?.channel.isWritable ?? false }
    var isActive: Bool { context?.channel.isActive ?? false }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Starts an exchange on this connection: the request head is about to be written.
    func beginExchange(delegate: any UpstreamDelegate, requestIsHEAD: Bool) {
        self.delegate = delegate
        requestWasHEAD = requestIsHEAD
        decodesChunkedBody = false
        reading = .head(scanned: 0)
    }

    func write(_ bytes: ByteBuffer) {
        context?.write(wrapOutboundOut(bytes), promise: nil)
    }

    func flush() {
        context?.flush()
    }

    func close() {
        guard let context, context.channel.isActive else { return }
        context.close(promise: nil)
    }

    /// Leaves the pipeline after a protocol switch, returning the bytes the server sent after its 101.
    func handOver() -> ByteBuffer? {
        let rest = inbound
        inbound = nil
        delegate = nil
        reading = .idle
        if let context { context.pipeline.syncOperations.removeHandler(self, promise: nil) }
        return rest
    }

    /// Ends the exchange from the client's side (done, or abandoned).
    func detach() {
        delegate = nil
        readsPaused = false
        reading = .idle
    }

    func enterPool(_ pool: UpstreamPool, server: Int, idleTimeout: TimeAmount) {
        guard let context, context.channel.isActive else {
            residence = .closed
            pool.remove(self, server: server)
            return
        }
        let now = context.eventLoop.now
        residence = .pooled(pool, server: server, since: now)
        if idleTimer == nil { armIdleCheck(at: now + idleTimeout, idleTimeout: idleTimeout, context: context) }
    }

    private func armIdleCheck(at deadline: NIODeadline, idleTimeout: TimeAmount, context: ChannelHandlerContext) {
        idleTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
            guard let self else { return }
            self.idleTimer = nil
            guard case .pooled(_, _, let since) = self.residence, let context = self.context else { return }
            let due = since + idleTimeout
            if due <= context.eventLoop.now {
                self.close()
            } else {
                self.armIdleCheck(at: due, idleTimeout: idleTimeout, context: context)
            }
        }
    }

    /// Takes the connection out of its pool; false when it is no longer usable.
    func leavePool() -> Bool {
        guard case .pooled = residence else { return false }
        residence = .busy
        return isActive
    }

    // MARK: Reading the response

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        if inbound == nil || inbound!.readableBytes == 0 {
            inbound = bytes
        } else {
            var incoming = bytes
            inbound!.writeBuffer(&incoming)
        }
        process(context: context)
    }

    private func process(context: ChannelHandlerContext) {
        // An empty buffer still holds its storage: a pooled connection must not keep its last read.
        defer { if inbound?.readableBytes == 0 { inbound = nil } }
        while var buffer = inbound, buffer.readableBytes > 0, !readsPaused {
            switch reading {
            case .idle:
                // A server that talks while nobody asked is out of step: drop it.
                inbound = nil
                fail(invalidResponse: "bytes from the server outside an exchange", context: context)
                return
            case .head(let scanned):
                switch ResponseHeadParser.scan(buffer, from: scanned, maxBytes: Self.maxHeadBytes) {
                case .incomplete(let scanned):
                    reading = .head(scanned: scanned)
                    return
                case .invalid(let problem):
                    fail(invalidResponse: "\(problem)", context: context)
                    return
                case .complete(let length):
                    switch ResponseHeadParser.parse(buffer, length: length, requestWasHEAD: requestWasHEAD) {
                    case .failure(let error):
                        fail(invalidResponse: "\(error)", context: context)
                        return
                    case .success(let head):
                        buffer.moveReaderIndex(forwardBy: length)
                        inbound = buffer
                        headReceived(head)
                    }
                }
            case .body(var framer, let keepAlive):
                inbound = nil  // held in `buffer`; keeps the framer's slice unique
                let step = framer.next(&buffer)
                inbound = buffer
                switch step {
                case .needMore:
                    reading = .body(framer, keepAlive: keepAlive)
                    return
                case .invalid(let reason):
                    fail(invalidResponse: "malformed response body: \(reason)", context: context)
                    return
                case .forward(let bytes, let ended):
                    reading = ended ? .idle : .body(framer, keepAlive: keepAlive)
                    if bytes.readableBytes > 0 { delegate?.upstreamReceivedBody(bytes) }
                    if ended {
                        bodyEnded(keepAlive: keepAlive)
                        return
                    }
                }
            }
        }
    }

    private func headReceived(_ head: ResponseHead) {
        guard let delegate else { return }
        if head.status == 101 {
            // The connection no longer speaks HTTP: the delegate takes it over (`handOver`) or drops it.
            reading = .idle
            delegate.upstreamReceivedHead(head)
            return
        }
        if head.isInformational && head.status != 101 {
            reading = .head(scanned: 0)
            delegate.upstreamReceivedHead(head)
            return
        }
        delegate.upstreamReceivedHead(head)
        guard self.delegate != nil else { return }
        let framer = BodyFramer(head.framing, decodeChunked: decodesChunkedBody)
        framingEndsAtClose = head.framing == .untilClose
        reading = .body(framer, keepAlive: head.keepAlive && head.framing != .untilClose)
        if head.framing == .none {
            reading = .idle
            bodyEnded(keepAlive: head.keepAlive)
        }
    }

    private func bodyEnded(keepAlive: Bool) {
        let extra = (inbound?.readableBytes ?? 0) > 0
        inbound = nil
        let delegate = self.delegate
        self.delegate = nil
        delegate?.upstreamReceivedEnd(reusable: keepAlive && !extra)
    }

    private func fail(invalidResponse: String?, context: ChannelHandlerContext) {
        reading = .idle
        let delegate = self.delegate
        self.delegate = nil
        delegate?.upstreamFailed(invalidResponse: invalidResponse)
        context.close(promise: nil)
    }

    // MARK: Channel events

    func channelReadComplete(context: ChannelHandlerContext) {
        delegate?.upstreamReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        delegate?.upstreamWritabilityChanged(isWritable: context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        idleTimer?.cancel()
        idleTimer = nil
        if case .pooled(let pool, let server, _) = residence {
            pool.remove(self, server: server)
        }
        residence = .closed
        if case .body(_, let keepAlive) = reading, !keepAlive, framingEndsAtClose {
            // An until-close body ends with the connection.
            reading = .idle
            inbound = nil
            let delegate = self.delegate
            self.delegate = nil
            delegate?.upstreamReceivedEnd(reusable: false)
        } else {
            reading = .idle
            let delegate = self.delegate
            self.delegate = nil
            delegate?.upstreamFailed(invalidResponse: nil)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let delegate = self.delegate
        self.delegate = nil
        reading = .idle
        delegate?.upstreamFailed(invalidResponse: nil)
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        if readsPaused {
            pendingRead = true
        } else {
            context.read()
        }
    }
}
