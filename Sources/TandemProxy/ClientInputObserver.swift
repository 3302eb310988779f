import NIOCore

/// Watches the raw bytes of a client connection, before the HTTP decoder. It enforces the client-side waiting
/// limits and remembers what the decoder cannot tell afterwards:
///
/// - keep-alive idle: no byte of a next request within `keepAliveTimeout` closes the connection
///   silently (an idle client is not an error);
/// - header read (slowloris): once the first byte arrived, the complete head must arrive within
///   `headerTimeout`, else the client gets `408` and the connection closes — a client trickling one
///   byte a second cannot hold a connection open;
/// - body stall: while a request body is expected, `clientTimeout` without a byte fires ``BodyStalled`` up
///   the pipeline; the proxy handler answers 408 (or closes, once the response began), so a client that stops
///   half-way through its body cannot hold a backend slot. The deadline is re-armed lazily: each read only
///   stores the time, and the one timer checks it when it fires;
/// - whether the request line was complete when the decoder gave up (to answer 414, not 431), and
///   the head's raw bytes, so that a rejected `Transfer-Encoding` (501) can be told from a smuggling shape
///   (400) and from other faults.
///
/// The proxy handler calls `expectRequest` when it waits for a head, `headReceived` when it has one, and
/// `bodyEnded` when the body it expected is complete. Scanning stops at the head, so body bytes pass through
/// untouched.
final class ClientInputObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private enum State {
        /// Waiting for the first byte of a request; the idle timer runs.
        case idle(Scheduled<Void>?)
        /// Part of a head arrived; the header timer runs.
        case readingHead(Scheduled<Void>?)
        /// A request body is being received; the timer checks `lastBodyRead` when it fires.
        case readingBody(Scheduled<Void>?)
        /// The decoder produced a head (and its body, if any, is complete); nothing to watch until the next request.
        case passive
    }

    /// Sent up the pipeline when a request body sent nothing for `clientTimeout`.
    struct BodyStalled: Sendable {}

    private let headerTimeout: TimeAmount
    private let keepAliveTimeout: TimeAmount
    private let clientTimeout: TimeAmount
    private var lastBodyRead = NIODeadline.distantPast
    private let maxCapturedBytes: Int
    private var state: State = .passive
    private var context: ChannelHandlerContext?
    /// True once a line feed ended the request line of the head being read.
    private(set) var requestLineComplete = false
    /// The bytes of the head being read, up to `maxCapturedBytes`.
    private(set) var capturedHead: [ByteBuffer] = []
    private var capturedCount = 0

    init(headerTimeout: TimeAmount, keepAliveTimeout: TimeAmount, clientTimeout: TimeAmount, maxCapturedBytes: Int) {
        self.headerTimeout = headerTimeout
        self.keepAliveTimeout = keepAliveTimeout
        self.clientTimeout = clientTimeout
        self.maxCapturedBytes = maxCapturedBytes
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimers()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimers()
        state = .passive
        context.fireChannelInactive()
    }

    /// The connection now waits for a request head (after accept, or after a response completed).
    func expectRequest() {
        guard let context else { return }
        cancelTimers()
        requestLineComplete = false
        capturedHead.removeAll(keepingCapacity: true)
        capturedCount = 0
        let timer = context.eventLoop.assumeIsolated().scheduleTask(in: keepAliveTimeout) { [weak self] in
            guard let self else { return }
            self.idleTimedOut()
        }
        state = .idle(timer)
    }

    /// The decoder produced a head: watch its body for stalls if it has one, else nothing until `expectRequest`.
    func headReceived(expectingBody: Bool = false) {
        cancelTimers()
        state = .passive
        capturedHead.removeAll(keepingCapacity: true)
        capturedCount = 0
        if expectingBody, let context {
            lastBodyRead = .now()
            state = .readingBody(scheduleBodyCheck(in: clientTimeout, context: context))
        }
    }

    /// The body of the current request is complete: nothing to watch until `expectRequest`.
    func bodyEnded() {
        guard case .readingBody = state else { return }
        cancelTimers()
        state = .passive
    }

    /// Whether the captured head has a field named `lowercasedName` (to tell why the decoder refused it).
    func capturedHeadHasField(_ lowercasedName: String) -> Bool {
        var text = ""
        for buffer in capturedHead { text += String(buffer: buffer) }
        return text.lowercased().contains("\n" + lowercasedName + ":")
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch state {
        case .passive:
            break
        case .readingBody:
            lastBodyRead = .now()
        case .idle(let timer):
            timer?.cancel()
            let headerTimer = context.eventLoop.assumeIsolated().scheduleTask(in: headerTimeout) { [weak self] in
                guard let self else { return }
                self.headerTimedOut()
            }
            state = .readingHead(headerTimer)
            observe(unwrapInboundIn(data))
        case .readingHead:
            observe(unwrapInboundIn(data))
        }
        context.fireChannelRead(data)
    }

    private func observe(_ buffer: ByteBuffer) {
        if !requestLineComplete, buffer.readableBytesView.contains(UInt8(ascii: "\n")) {
            requestLineComplete = true
        }
        if capturedCount < maxCapturedBytes {
            capturedHead.append(buffer)
            capturedCount += buffer.readableBytes
        }
    }

    private func cancelTimers() {
        switch state {
        case .idle(let timer), .readingHead(let timer), .readingBody(let timer):
            timer?.cancel()
        case .passive:
            break
        }
    }

    private func scheduleBodyCheck(in delay: TimeAmount, context: ChannelHandlerContext) -> Scheduled<Void> {
        context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [weak self] in
            self?.checkBody()
        }
    }

    /// Fires `BodyStalled` when no body byte came for `clientTimeout`, else re-arms for what is left. The window
    /// restarts after a report: the proxy ignores one while it holds the client's reads itself (backpressure).
    private func checkBody() {
        guard case .readingBody = state, let context else { return }
        let idle = NIODeadline.now() - lastBodyRead
        if idle < clientTimeout {
            state = .readingBody(scheduleBodyCheck(in: clientTimeout - idle, context: context))
            return
        }
        lastBodyRead = .now()
        state = .readingBody(scheduleBodyCheck(in: clientTimeout, context: context))
        context.fireUserInboundEventTriggered(BodyStalled())
    }

    private func idleTimedOut() {
        guard case .idle = state, let context else { return }
        state = .passive
        context.close(promise: nil)
    }

    private func headerTimedOut() {
        guard case .readingHead = state else { return }
        // No request head exists for the encoder to answer.
        answerBelowTheCodecAndClose(.requestTimeout)
    }

    /// Writes `response` from here, below the HTTP encoder, then closes: for answers the encoder cannot give
    /// (no head yet, or a CONNECT, to which NIO's encoder sends no body).
    func answerBelowTheCodecAndClose(_ response: ProxyErrorResponse) {
        cancelTimers()
        state = .passive
        guard let context else { return }
        let bytes = response.rawBytes(allocator: context.channel.allocator)
        context.writeAndFlush(NIOAny(bytes)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}
