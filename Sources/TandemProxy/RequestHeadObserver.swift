import NIOCore

/// Watches the raw bytes of a client connection, before the HTTP decoder, while a request head is
/// expected. It enforces the two client-side waiting limits and remembers what the decoder cannot
/// tell afterwards:
///
/// - keep-alive idle: no byte of a next request within `keepAliveTimeout` closes the connection
///   silently (an idle client is not an error);
/// - header read (slowloris): once the first byte arrived, the complete head must arrive within
///   `headerTimeout`, else the client gets `408` and the connection closes — a client trickling one
///   byte a second cannot hold a connection open;
/// - whether the request line was complete when the decoder gave up (to answer 414, not 431), and
///   the head's raw bytes, so that a rejected `Transfer-Encoding` (501) can be told from a smuggling shape
///   (400) and from other faults.
///
/// The proxy handler calls `expectRequest` when it waits for a head and `headReceived` when it has one.
/// Scanning stops at the head, so body bytes pass through untouched.
final class RequestHeadObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private enum State {
        /// Waiting for the first byte of a request; the idle timer runs.
        case idle(Scheduled<Void>?)
        /// Part of a head arrived; the header timer runs.
        case readingHead(Scheduled<Void>?)
        /// The decoder produced a head; nothing to watch until the next request.
        case passive
    }

    private let headerTimeout: TimeAmount
    private let keepAliveTimeout: TimeAmount
    private let maxCapturedBytes: Int
    private var state: State = .passive
    private var context: ChannelHandlerContext?
    /// True once a line feed ended the request line of the head being read.
    private(set) var requestLineComplete = false
    /// The bytes of the head being read, up to `maxCapturedBytes`.
    private(set) var capturedHead: [ByteBuffer] = []
    private var capturedCount = 0

    init(headerTimeout: TimeAmount, keepAliveTimeout: TimeAmount, maxCapturedBytes: Int) {
        self.headerTimeout = headerTimeout
        self.keepAliveTimeout = keepAliveTimeout
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

    /// The decoder produced a head: stop watching until `expectRequest` is called again.
    func headReceived() {
        cancelTimers()
        state = .passive
        capturedHead.removeAll(keepingCapacity: true)
        capturedCount = 0
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
        case .idle(let timer), .readingHead(let timer):
            timer?.cancel()
        case .passive:
            break
        }
    }

    private func idleTimedOut() {
        guard case .idle = state, let context else { return }
        state = .passive
        context.close(promise: nil)
    }

    private func headerTimedOut() {
        guard case .readingHead = state, let context else { return }
        state = .passive
        // Written from here, below the HTTP encoder: no request head exists for the encoder to answer.
        let response = ProxyErrorResponse.requestTimeout.rawBytes(allocator: context.channel.allocator)
        context.writeAndFlush(NIOAny(response)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}
