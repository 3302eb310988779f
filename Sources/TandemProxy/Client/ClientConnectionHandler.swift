import Logging
import NIOCore
import NIOPosix
import TandemBalancing

/// The layer-7 engine for one client connection, on that connection's event loop: bytes in, bytes out, with no Task,
/// actor hop or `String` per header on the way.
///
/// A request's life, top to bottom in this file: the head is found and checked by `RequestHeadParser`, routed, and
/// handed to an `ExchangeStateMachine`, which decides everything after (server choice, queueing, connecting, retries,
/// timeouts, answers of the proxy's own); this handler executes its actions. The upstream head is written once by
/// `HeadWriter` from the received bytes; both bodies pass through as the slices they arrived in, delimited by
/// `BodyFramer`s. Reads stay enabled unless backpressure needs a pause: the server cannot take more, too much body is
/// buffered while no server is attached, or pipelined requests pile up behind the one in progress. One timer per
/// connection is armed for the earliest deadline and re-armed lazily: a later deadline never reschedules it, the timer
/// checks when it fires.
///
/// Pipelined requests are answered in order: bytes after a complete request stay in the buffer until its response has
/// ended, then the next head is parsed from them.
final class ClientConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// One request in progress: the machine and the I/O state around it.
    private final class Exchange {
        var machine: ExchangeStateMachine
        let head: RequestHead
        let backend: BackendRuntime
        /// The upstream request head, written once, kept for a retry.
        let upstreamHead: ByteBuffer
        var framer: BodyFramer
        /// Body bytes received while no server is attached (replayed on attach).
        var buffered: [ByteBuffer] = []
        var bufferedBytes = 0
        var upstream: UpstreamConnectionHandler?
        var queued: QueuedRequest?
        var pinned: Int?
        var setCookie: String?
        /// How the response body reaches the client: the server's framing, or decoded chunks up to a close.
        var decodesChunked = false
        /// The access-log line being collected.
        var log: AccessLogRecord

        init(
            machine: ExchangeStateMachine,
            head: RequestHead,
            backend: BackendRuntime,
            upstreamHead: ByteBuffer,
            pinned: Int?,
            log: AccessLogRecord
        ) {
            self.machine = machine
            self.log = log
            self.head = head
            self.backend = backend
            self.upstreamHead = upstreamHead
            self.framer = BodyFramer(head.framing, decodeChunked: false)
            self.pinned = pinned
        }

        /// Whether body bytes of the request are still to come.
        var requestBodyOpen: Bool { !machine.requestEnded }
    }

    private enum Phase {
        /// Between requests: no byte of a next one yet (keep-alive idle until `deadline`).
        case idle(deadline: NIODeadline)
        /// Part of a head arrived; the whole head is due by `deadline`.
        case readingHead(scanned: Int, deadline: NIODeadline)
        case exchanging(Exchange)
        /// An answer that ends the connection is on its way out; nothing more is read or said.
        case closing
    }

    /// Request body buffered while no server is attached, before the client's reads are held.
    static let maxBufferedBodyBytes = 64 * 1024
    /// Both sides of an exchange: reading from one side pauses when this much waits to be written to the other.
    static let writeBufferWaterMark = ChannelOptions.Types.WriteBufferWaterMark(low: 256 * 1024, high: 1024 * 1024)
    /// Reads from a client start at 1 KiB (an idle connection keeps its receive buffer) and grow with bodies.
    static let clientReceiveBuffer = AdaptiveRecvByteBufferAllocator(minimum: 512, initial: 1024, maximum: 256 * 1024)
    /// Reads from a server grow up to this, so a large body takes few reads.
    static let upstreamReceiveBuffer = AdaptiveRecvByteBufferAllocator(
        minimum: 1024,
        initial: 16 * 1024,
        maximum: 256 * 1024
    )

    private let frontend: FrontendRuntime
    private let logger: Logger
    private var context: ChannelHandlerContext?
    private var phase: Phase
    /// Received and not yet consumed: the rest of a head, body bytes not yet delimited, pipelined requests.
    private var inbound: ByteBuffer?
    private var readHeld = false
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?
    private var clientIP: String?
    /// The client and the address it reached, for a PROXY header towards servers (from the balancer's header when
    /// the frontend accepts one).
    private var clientAddress: SocketAddress?
    private var frontendAddress: SocketAddress?
    /// Keep-alive wind-down or drain asked this connection to close once idle.
    private var closeWhenIdle = false
    /// This "connection" is one HTTP/2 stream behind an `HTTP2StreamAdapter`: the engine sees HTTP/1.1, the log
    /// says what the client spoke.
    private let servesHTTP2Stream: Bool

    init(frontend: FrontendRuntime, logger: Logger, servesHTTP2Stream: Bool = false) {
        self.frontend = frontend
        self.logger = logger
        self.servesHTTP2Stream = servesHTTP2Stream
        self.phase = .idle(deadline: .now() + frontend.keepAliveTimeout)
    }

    /// The loop's clock (an `EmbeddedEventLoop`'s in tests).
    private var currentTime: NIODeadline { context?.eventLoop.now ?? .now() }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        clientAddress = context.channel.remoteAddress
        frontendAddress = context.channel.localAddress
        clientIP = clientAddress?.ipAddress
        phase = .idle(deadline: currentTime + frontend.keepAliveTimeout)
        armTimer()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        if case .closing = phase { return }
        if inbound == nil || inbound!.readableBytes == 0 {
            inbound = bytes
        } else {
            var incoming = bytes
            inbound!.writeBuffer(&incoming)
        }
        process()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if case .exchanging(let exchange) = phase { exchange.upstream?.flush() }
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if case .exchanging(let exchange) = phase { exchange.upstream?.readsPaused = !context.channel.isWritable }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        switch phase {
        case .exchanging(let exchange):
            abandon(exchange)
            logEnded(exchange, .clientClosed)
        case .readingHead(_, let deadline):
            logHead(.clientClosed, started: deadline - frontend.headerTimeout)
        case .idle, .closing:
            break
        }
        phase = .closing
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let proxied = event as? ProxyProtocolReceiver.ProxiedClient {
            if let source = proxied.source {
                clientAddress = source
                clientIP = source.ipAddress
            }
            if let destination = proxied.destination { frontendAddress = destination }
            return
        }
        if let refused = event as? HTTP2StreamAdapter.HeadRefused {
            // The head was refused before it reached this engine: answered and logged as one refused here.
            guard case .idle = phase else { return }
            inbound = refused.requestLine
            phase = .readingHead(scanned: 0, deadline: currentTime + frontend.headerTimeout)
            answerAndClose(refused.answer, minorVersion: 1, cause: .refused)
            return
        }
        guard event is CloseWhenIdle || event is ChannelShouldQuiesceEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        closeWhenIdle = true
        switch phase {
        case .exchanging(let exchange):
            // Finish this exchange, then close (the response says so if its head has not gone out yet).
            exchange.machine.closeClientAfterResponse()
        case .idle:
            closeNow()
        case .readingHead, .closing:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("client connection error", metadata: ["error": "\(error)"])
        closeNow()
    }

    func read(context: ChannelHandlerContext) {
        if shouldHoldReads {
            readHeld = true
        } else {
            context.read()
        }
    }

    private var shouldHoldReads: Bool {
        guard case .exchanging(let exchange) = phase else { return false }
        if !exchange.requestBodyOpen {
            // Pipelined requests wait behind this one; hold once a head's worth is waiting.
            return (inbound?.readableBytes ?? 0) >= frontend.maxHeaderBytes
        }
        if let upstream = exchange.upstream, exchange.machine.isAttached { return !upstream.isWritable }
        return exchange.bufferedBytes >= Self.maxBufferedBodyBytes
    }

    private func resumeReadsIfHeld() {
        guard readHeld, !shouldHoldReads, let context else { return }
        readHeld = false
        context.read()
    }

    // MARK: Reading requests

    /// Consumes what `inbound` holds as far as the current phase allows.
    private func process() {
        // An empty buffer still holds its storage: an idle keep-alive connection must not keep its last read.
        defer { if inbound?.readableBytes == 0 { inbound = nil } }
        while let context, var buffer = inbound, buffer.readableBytes > 0 {
            switch phase {
            case .closing:
                inbound = nil
                return
            case .idle:
                if closeWhenIdle {
                    closeNow()
                    return
                }
                phase = .readingHead(scanned: 0, deadline: currentTime + frontend.headerTimeout)
                armTimer()
            case .readingHead(let scanned, let deadline):
                switch RequestHeadParser.scan(buffer, from: scanned, limits: frontend.headLimits) {
                case .incomplete(let scanned):
                    phase = .readingHead(scanned: scanned, deadline: deadline)
                    return
                case .invalid(let problem):
                    answerAndClose(problem, minorVersion: 1, cause: .refused)
                    return
                case .complete(let length):
                    switch RequestHeadParser.parse(buffer, length: length, limits: frontend.headLimits) {
                    case .failure(let problem):
                        answerAndClose(problem, minorVersion: 1, cause: .refused)
                        return
                    case .success(let head):
                        buffer.moveReaderIndex(forwardBy: length)
                        inbound = buffer
                        // The head's deadline is its first byte plus the header timeout.
                        startExchange(head, started: deadline - frontend.headerTimeout, context: context)
                    }
                }
            case .exchanging(let exchange):
                guard exchange.requestBodyOpen else { return }
                inbound = nil  // the framer slices `buffer`; keep it the only reference
                let step = exchange.framer.next(&buffer)
                inbound = buffer
                switch step {
                case .needMore:
                    return
                case .invalid:
                    requestBodyInvalid(exchange)
                    return
                case .forward(let bytes, let ended):
                    requestBodyReceived(bytes, ended: ended, exchange: exchange)
                }
            }
        }
    }

    private func startExchange(_ head: RequestHead, started: NIODeadline, context: ChannelHandlerContext) {
        let backendIndex: Int
        if frontend.routes.routes.isEmpty {
            backendIndex = frontend.routes.defaultBackend
        } else {
            backendIndex = frontend.routes.backend(host: head.host.map(head.string), target: head.originTarget)
        }
        let backend = frontend.backends[backendIndex]
        var pinned: Int?
        var cookies: HeadWriter.CookieRewrite?
        if let cookieName = backend.cookieName {
            (pinned, cookies) = persistenceCookie(named: cookieName, in: head, backend: backend)
        }
        let upgrade = head.upgradeRequested
        var upstreamHead = context.channel.allocator.buffer(capacity: head.bytes.readableBytes + 128)
        HeadWriter.writeUpstreamRequest(
            head,
            cookies: cookies,
            forwarding: HeadWriter.Forwarding(clientIP: clientIP, scheme: frontend.tls == nil ? "http" : "https"),
            upgrade: upgrade,
            into: &upstreamHead
        )
        let hasBody: Bool
        switch head.framing {
        case .none, .contentLength(0): hasBody = false
        case .contentLength, .chunked, .untilClose: hasBody = true
        }
        let now = currentTime
        var log = AccessLogRecord(started: started, clientIP: clientIP, clientPort: clientAddress?.port)
        log.http2 = servesHTTP2Stream
        log.headReceived(head, backend: backend, now: now)
        let machine = ExchangeStateMachine(
            limits: ExchangeStateMachine.Limits(
                backend: backend.name,
                responseTimeout: backend.responseTimeout,
                queueTimeout: backend.queueTimeout,
                clientTimeout: frontend.clientTimeout,
                retries: backend.retries
            ),
            isIdempotent: head.isIdempotent,
            hasBody: hasBody,
            clientKeepAlive: head.keepAlive && !closeWhenIdle && !frontend.clientConnections.closesKeepAlive,
            upgradeRequested: upgrade,
            now: now
        )
        let exchange = Exchange(
            machine: machine,
            head: head,
            backend: backend,
            upstreamHead: upstreamHead,
            pinned: pinned,
            log: log
        )
        phase = .exchanging(exchange)
        dispatch(exchange)
        armTimer()
    }

    /// Reads the persistence cookie out of the `Cookie` lines; returns the server it pins and the rewritten lines.
    private func persistenceCookie(
        named name: String,
        in head: RequestHead,
        backend: BackendRuntime
    ) -> (Int?, HeadWriter.CookieRewrite?) {
        var found: String?
        var remaining: [String?] = []
        for field in head.fields where field.kind == .cookie {
            let (value, rest) = PersistenceCookie.extract(name: name, from: head.string(field.value))
            if let value { found = value }
            remaining.append(rest)
        }
        guard !remaining.isEmpty else { return (nil, nil) }
        let pinned = found.flatMap { value in backend.withBalancer { $0.persistentServer(cookieValue: value) } }
        return (pinned, HeadWriter.CookieRewrite(remaining: remaining))
    }

    private func requestBodyReceived(_ bytes: ByteBuffer, ended: Bool, exchange: Exchange) {
        exchange.log.bytesIn += bytes.readableBytes
        if exchange.machine.isAttached, let upstream = exchange.upstream {
            if bytes.readableBytes > 0 { upstream.write(bytes) }
            if ended { upstream.flush() }
        } else if bytes.readableBytes > 0 {
            exchange.buffered.append(bytes)
            exchange.bufferedBytes += bytes.readableBytes
        }
        exchange.machine.requestBodyReceived(ended: ended, now: currentTime)
        if ended { armTimer() }
    }

    private func requestBodyInvalid(_ exchange: Exchange) {
        let (answer, server) = exchange.machine.requestInvalid()
        detachUpstream(exchange, close: true)
        if let server { exchange.backend.release(server, outcome: .abandoned) }
        if let answer {
            answerAndClose(answer, minorVersion: exchange.head.minorVersion, cause: .refused)
        } else {
            logEnded(exchange, .refused, detail: "malformed request body")
            closeNow()
        }
    }

    // MARK: Choosing a server

    private func dispatch(_ exchange: Exchange) {
        let choice = exchange.backend.choose(
            pinned: exchange.pinned,
            key: balancingKey(exchange),
            avoiding: exchange.machine.avoiding
        )
        perform(exchange.machine.serverChosen(choice), exchange)
    }

    private func balancingKey(_ exchange: Exchange) -> BalancingKey {
        switch exchange.backend.algorithm {
        case .sourceHash: .clientAddress(clientIP ?? "")
        case .uriHash: .path(exchange.head.originTarget)
        case .roundRobin, .random, .leastConnections, .leastLoaded: .none
        }
    }

    private func perform(_ action: ExchangeStateMachine.ChoiceAction, _ exchange: Exchange) {
        switch action {
        case .connect(let server, let cookie):
            if cookie != nil { exchange.setCookie = cookie }
            exchange.log.connecting(to: server, attempt: exchange.machine.attempts, now: currentTime)
            obtainConnection(exchange, server: server)
        case .enqueue:
            enqueue(exchange)
        case .answer(let response):
            // No server to connect to: every one is down, or every one left failed for this request.
            answerLocally(response, exchange, cause: .serverFailed, phase: .connect)
        }
    }

    private func enqueue(_ exchange: Exchange) {
        guard let context else { return }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let boundExchange = NIOLoopBound(exchange, eventLoop: context.eventLoop)
        let request = QueuedRequest(
            pinned: exchange.pinned,
            key: balancingKey(exchange),
            avoiding: exchange.machine.avoiding,
            eventLoop: context.eventLoop
        ) { outcome in
            bound.value.queueDecided(boundExchange.value, outcome)
        }
        exchange.log.queued(now: currentTime)
        switch exchange.backend.enqueue(request) {
        case .chosen(let choice):
            exchange.log.leftQueue(now: currentTime)
            perform(exchange.machine.serverChosen(choice), exchange)
        case .full:
            let answer = exchange.machine.queueFull(hasQueue: exchange.backend.maxQueue > 0)
            answerLocally(answer, exchange, cause: .resources)
        case .waiting:
            exchange.queued = request
            exchange.machine.queued(now: currentTime)
            armTimer()
        }
    }

    /// The queue's decision for `exchange`, on this handler's loop.
    private func queueDecided(_ exchange: Exchange, _ outcome: QueuedRequest.Outcome) {
        exchange.queued = nil
        let choice: BackendState.Choice
        switch outcome {
        case .granted(let server, let cookie): choice = .server(server, cookie: cookie)
        case .unavailable: choice = .noneAvailable
        }
        guard isCurrent(exchange), let action = exchange.machine.queueDecided(choice) else {
            // The client left, or the queue timer answered, after the decision was taken: give the slot back.
            if case .granted(let server, _) = outcome { exchange.backend.release(server, outcome: .abandoned) }
            return
        }
        exchange.log.leftQueue(now: currentTime)
        perform(action, exchange)
    }

    private func isCurrent(_ exchange: Exchange) -> Bool {
        if case .exchanging(let current) = phase { return current === exchange }
        return false
    }

    // MARK: Connecting

    private func obtainConnection(_ exchange: Exchange, server: Int) {
        guard let context else { return }
        let backend = exchange.backend
        if backend.sendProxy == nil, let pooled = backend.pool(for: context.eventLoop)?.take(server: server) {
            attach(pooled, to: exchange)
            return
        }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let boundExchange = NIOLoopBound(exchange, eventLoop: context.eventLoop)
        ClientBootstrap(group: context.eventLoop)
            .connectTimeout(backend.connectTimeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelOption(.writeBufferWaterMark, value: Self.writeBufferWaterMark)
            .channelOption(.recvAllocator, value: Self.upstreamReceiveBuffer)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(UpstreamConnectionHandler())
                }
            }
            .connect(to: backend.servers[server].address)
            .whenComplete { result in
                bound.value.connectCompleted(result, exchange: boundExchange.value, server: server)
            }
    }

    private func connectCompleted(_ result: Result<any Channel, any Error>, exchange: Exchange, server: Int) {
        switch result {
        case .success(let channel):
            guard let upstream = try? channel.pipeline.syncOperations.handler(type: UpstreamConnectionHandler.self)
            else {
                channel.close(promise: nil)
                return
            }
            guard isCurrent(exchange), exchange.machine.state == .connecting(server: server) else {
                // The client went away while we connected.
                upstream.close()
                return
            }
            if let version = exchange.backend.sendProxy, let source = clientAddress, let destination = frontendAddress {
                upstream.write(ProxyProtocol.header(version, source: source, destination: destination))
            }
            attach(upstream, to: exchange)
        case .failure(let error):
            guard isCurrent(exchange), exchange.machine.state == .connecting(server: server) else { return }
            logger.debug(
                "connect failed",
                metadata: ["server": "\(exchange.backend.servers[server].name)", "error": "\(error)"]
            )
            let cause = AccessLogRecord.Cause(connectFailure: error)
            exchange.backend.metrics?.connectFailures.increment()
            handle(exchange.machine.connectFailed(), exchange, reason: "connect: \(error)", cause: cause)
        }
    }

    private func attach(_ upstream: UpstreamConnectionHandler, to exchange: Exchange) {
        let now = currentTime
        exchange.machine.connected(now: now)
        exchange.log.connected(now: now)
        exchange.upstream = upstream
        upstream.beginExchange(delegate: self, requestIsHEAD: exchange.head.knownMethod == .head)
        upstream.readsPaused = !(context?.channel.isWritable ?? true)
        upstream.write(exchange.upstreamHead)
        if !exchange.buffered.isEmpty {
            exchange.machine.bufferedBodyForwarded()
            for bytes in exchange.buffered { upstream.write(bytes) }
            exchange.buffered.removeAll()
            exchange.bufferedBytes = 0
        }
        upstream.flush()
        armTimer()
        resumeReadsIfHeld()
    }

    private func detachUpstream(_ exchange: Exchange, close: Bool) {
        guard let upstream = exchange.upstream else { return }
        exchange.upstream = nil
        upstream.detach()
        if close { upstream.close() }
    }

    // MARK: Failures

    /// `cause` says whose fault it was, for the access log when the exchange ends here.
    private func handle(
        _ action: ExchangeStateMachine.FailureAction,
        _ exchange: Exchange,
        reason: String,
        cause: AccessLogRecord.Cause
    ) {
        switch action {
        case .retry(let failed):
            detachUpstream(exchange, close: true)
            if let failed { release(failed, of: exchange, failure: reason) }
            // Said by the line if no server is left to retry on.
            exchange.log.detail = reason
            dispatch(exchange)
        case .answer(let response, let failed):
            detachUpstream(exchange, close: true)
            if let failed { release(failed, of: exchange, failure: reason) }
            answerLocally(response, exchange, cause: cause, detail: reason)
        case .closeClient(let failed):
            detachUpstream(exchange, close: true)
            if let failed { release(failed, of: exchange, failure: reason) }
            logEnded(exchange, cause, detail: reason)
            closeNow()
        }
    }

    private func release(_ server: Int, of exchange: Exchange, failure reason: String) {
        logger.debug(
            "backend server failed",
            metadata: [
                "backend": "\(exchange.backend.name)", "server": "\(exchange.backend.servers[server].name)",
                "error": "\(reason)",
            ]
        )
        exchange.backend.release(server, outcome: .failed(reason: reason))
    }

    /// The client went away: give up whatever the exchange holds.
    private func abandon(_ exchange: Exchange) {
        if let request = exchange.queued {
            // When this fails the queue's decision is on its way; `queueDecided` gives its slot back.
            _ = exchange.backend.cancelWait(request)
            exchange.queued = nil
        }
        let server = exchange.machine.clientClosed()
        detachUpstream(exchange, close: true)
        if let server { exchange.backend.release(server, outcome: .abandoned) }
    }

    // MARK: Timer

    /// Arms the connection's one timer for the earliest deadline, unless it already fires no later.
    private func armTimer() {
        guard let context else { return }
        let wanted: NIODeadline?
        switch phase {
        case .idle where servesHTTP2Stream, .readingHead where servesHTTP2Stream:
            // A stream's head arrives with the stream (its HEADERS opened it), whole: no idle or header deadline.
            wanted = nil
        case .idle(let deadline):
            // No later than a head that starts now would be due, so the first byte of a request never has to move
            // the timer earlier: a keep-alive connection costs one timer expiry per header timeout, not a
            // reschedule per request.
            wanted = min(deadline, currentTime + frontend.headerTimeout)
        case .readingHead(_, let deadline): wanted = deadline
        case .exchanging(let exchange): wanted = exchange.machine.nextDeadline
        case .closing: wanted = nil
        }
        guard let wanted else { return }
        if let timerDeadline, timer != nil, timerDeadline <= wanted { return }
        timer?.cancel()
        timerDeadline = wanted
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: wanted) { [weak self] in
            self?.timerFired()
        }
    }

    private func timerFired() {
        timer = nil
        timerDeadline = nil
        let now = currentTime
        switch phase {
        case .idle(let deadline) where deadline <= now:
            // An idle keep-alive client is not an error: close silently.
            closeNow()
            return
        case .readingHead(_, let deadline) where deadline <= now:
            answerAndClose(.requestTimeout, minorVersion: 1, cause: .clientTimeout)
            return
        case .exchanging(let exchange):
            let action = exchange.machine.timerFired(
                now: now,
                serverHeldBack: exchange.upstream?.readsPaused ?? false,
                clientHeldBack: readHeld
            )
            switch action {
            case .none:
                break
            case .leaveQueue(let response):
                // When this fails the queue already decided: that decision is on its way, finds the exchange over,
                // and gives its slot back.
                if let request = exchange.queued { _ = exchange.backend.cancelWait(request) }
                exchange.queued = nil
                answerLocally(response, exchange, cause: .serverTimeout)
            case .serverTimedOut(let failure):
                handle(failure, exchange, reason: "response timeout", cause: .serverTimeout)
            case .clientStalled(let answer, let server):
                detachUpstream(exchange, close: true)
                if let request = exchange.queued {
                    _ = exchange.backend.cancelWait(request)
                    exchange.queued = nil
                }
                if let server { exchange.backend.release(server, outcome: .abandoned) }
                if let answer {
                    answerAndClose(answer, minorVersion: exchange.head.minorVersion, cause: .clientTimeout)
                } else {
                    logEnded(exchange, .clientTimeout, detail: "the request body stalled")
                    closeNow()
                }
                return
            }
        case .idle, .readingHead, .closing:
            break
        }
        armTimer()
    }

    // MARK: Answers of the proxy's own

    /// Answers `response` for `exchange` (which the machine has finished), keeping the connection when the request
    /// is complete and the answer allows it. `cause`, `phase` and `detail` (else the answer's reason) are for the
    /// access log.
    private func answerLocally(
        _ response: ProxyErrorResponse,
        _ exchange: Exchange,
        cause: AccessLogRecord.Cause,
        phase: AccessLogRecord.Phase? = nil,
        detail: String? = nil
    ) {
        let keepAlive =
            exchange.machine.clientKeepAlive && !response.closesConnection && !closeWhenIdle
            && !frontend.clientConnections.closesKeepAlive
        if keepAlive {
            let bytes = response.rawBytes(minorVersion: exchange.head.minorVersion, close: false)
            exchange.log.status = Int(response.status.code)
            exchange.log.bytesOut += bytes.readableBytes
            logEnded(exchange, cause, phase: phase, detail: detail ?? exchange.log.detail ?? response.logDetail)
            write(bytes, flush: true)
            exchangeFinished(keepAlive: true)
        } else {
            answerAndClose(
                response,
                minorVersion: exchange.head.minorVersion,
                cause: cause,
                phase: phase,
                detail: detail
            )
        }
    }

    /// Writes `response` and closes once it is out; nothing after it is read. The access log gets the line of the
    /// exchange, or of the head, it ends.
    private func answerAndClose(
        _ response: ProxyErrorResponse,
        minorVersion: Int,
        cause: AccessLogRecord.Cause,
        phase logPhase: AccessLogRecord.Phase? = nil,
        detail: String? = nil
    ) {
        guard let context else { return }
        let bytes = response.rawBytes(minorVersion: minorVersion, close: true)
        switch phase {
        case .exchanging(let exchange):
            if !exchange.machine.isFinished { abandon(exchange) }
            exchange.log.status = Int(response.status.code)
            exchange.log.bytesOut += bytes.readableBytes
            logEnded(exchange, cause, phase: logPhase, detail: detail ?? exchange.log.detail ?? response.logDetail)
        case .readingHead(_, let deadline):
            logHead(cause, started: deadline - frontend.headerTimeout, answer: response, bytesOut: bytes.readableBytes)
        case .idle, .closing:
            break
        }
        phase = .closing
        inbound = nil
        context.writeAndFlush(wrapOutboundOut(bytes)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    /// Closes at once; an exchange (or head) not yet logged is logged as closed by the client, which is what leads
    /// here unless the caller logged its own cause first.
    private func closeNow() {
        guard let context else { return }
        switch phase {
        case .exchanging(let exchange):
            if !exchange.machine.isFinished { abandon(exchange) }
            logEnded(exchange, .clientClosed)
        case .readingHead(_, let deadline):
            logHead(.clientClosed, started: deadline - frontend.headerTimeout)
        case .idle, .closing:
            break
        }
        phase = .closing
        inbound = nil
        context.close(promise: nil)
    }

    private func write(_ bytes: ByteBuffer, flush: Bool) {
        guard let context else { return }
        if flush {
            context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
        } else {
            context.write(wrapOutboundOut(bytes), promise: nil)
        }
    }

    /// The exchange is over and the connection continues: wait for the next head, which may already be buffered.
    private func exchangeFinished(keepAlive: Bool) {
        guard keepAlive, !closeWhenIdle else {
            closeAfterFlush()
            return
        }
        phase = .idle(deadline: currentTime + frontend.keepAliveTimeout)
        armTimer()
        process()
        resumeReadsIfHeld()
    }

    // MARK: Access log

    /// Ends `exchange`'s line with `cause` and writes it, unless it ended already (the first cause given wins).
    private func logEnded(
        _ exchange: Exchange,
        _ cause: AccessLogRecord.Cause,
        phase: AccessLogRecord.Phase? = nil,
        detail: @autoclosure () -> String? = nil
    ) {
        let metrics = frontend.metrics
        guard frontend.accessLog != nil || metrics != nil else { return }
        guard exchange.log.end(cause, phase: phase, detail: cause == .completed ? nil : detail(), now: currentTime)
        else { return }
        metrics?.observe(exchange.log)
        frontend.accessLog?.log(exchange.log, on: context?.eventLoop)
    }

    /// Writes the line of a head that never became an exchange: refused, timed out, or cut off by the client.
    private func logHead(
        _ cause: AccessLogRecord.Cause,
        started: NIODeadline,
        answer: ProxyErrorResponse? = nil,
        bytesOut: Int = 0
    ) {
        guard frontend.accessLog != nil || frontend.metrics != nil else { return }
        let now = currentTime
        var record = AccessLogRecord(started: started, clientIP: clientIP, clientPort: clientAddress?.port)
        record.http2 = servesHTTP2Stream
        if let inbound {
            record.bytesIn = inbound.readableBytes
            let line = inbound.readableBytesView.prefix(AccessLogFormatter.maxTargetBytes)
            let end = line.firstIndex { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") } ?? line.endIndex
            record.request = .received(inbound.getSlice(at: inbound.readerIndex, length: end - line.startIndex)!)
        }
        if let answer {
            record.status = Int(answer.status.code)
            record.bytesOut = bytesOut
            // A refused head was whole, or as whole as it needed to be to be refused.
            if cause == .refused { record.headReceived = now }
        }
        _ = record.end(cause, detail: answer?.logDetail, now: now)
        frontend.metrics?.observe(record)
        frontend.accessLog?.log(record, on: context?.eventLoop)
    }

    private func closeAfterFlush() {
        guard let context else { return }
        phase = .closing
        inbound = nil
        context.writeAndFlush(wrapOutboundOut(ByteBuffer())).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}

// MARK: - The server's side

extension ClientConnectionHandler: UpstreamDelegate {
    private var currentExchange: Exchange? {
        if case .exchanging(let exchange) = phase { return exchange }
        return nil
    }

    func upstreamReceivedHead(_ head: ResponseHead) {
        guard let exchange = currentExchange, let context else { return }
        let action = exchange.machine.responseHeadReceived(
            status: head.status,
            keepAlive: head.keepAlive,
            now: currentTime
        )
        switch action {
        case .forwardInterim:
            guard exchange.head.minorVersion >= 1 else { return }
            var bytes = context.channel.allocator.buffer(capacity: head.bytes.readableBytes)
            HeadWriter.writeInterimResponse(head, into: &bytes)
            exchange.log.bytesOut += bytes.readableBytes
            write(bytes, flush: false)
        case .forwardFinal:
            if head.framing == .untilClose || closeWhenIdle || frontend.clientConnections.closesKeepAlive {
                exchange.machine.closeClientAfterResponse()
            }
            if head.framing == .chunked, exchange.head.minorVersion == 0 {
                // An HTTP/1.0 client cannot take chunked: hand on the data, delimited by the close.
                exchange.decodesChunked = true
                exchange.upstream?.decodesChunkedBody = true
                exchange.machine.closeClientAfterResponse()
            }
            let keep = exchange.machine.clientKeepAlive && exchange.machine.requestEnded
            let connection: HeadWriter.ConnectionField =
                !keep ? .close : (exchange.head.minorVersion == 0 ? .keepAlive : .none)
            var cookie: String?
            if let value = exchange.setCookie, let name = exchange.backend.cookieName {
                cookie = PersistenceCookie.setCookieHeader(name: name, value: value, secure: frontend.tls != nil)
            }
            var bytes = context.channel.allocator.buffer(capacity: head.bytes.readableBytes + 64)
            HeadWriter.writeClientResponse(
                head,
                clientMinorVersion: exchange.head.minorVersion,
                setCookie: cookie,
                connection: connection,
                dropTransferEncoding: exchange.decodesChunked,
                into: &bytes
            )
            exchange.log.responseStarted(status: head.status, now: currentTime)
            exchange.log.bytesOut += bytes.readableBytes
            write(bytes, flush: false)
            armTimer()
        case .switchToTunnel(let server):
            switchToTunnel(exchange, head: head, server: server, context: context)
        case .refuse(let failure):
            handle(failure, exchange, reason: "unrequested 101 Switching Protocols", cause: .serverFailed)
        }
    }

    /// The server switched protocols as asked: the 101 goes to the client, then both connections become a tunnel
    /// (with the bytes either side already sent) and this handler leaves the pipeline. The tunnel holds the server's
    /// slot until it ends, and counts as an open connection for drain and planned failover.
    private func switchToTunnel(
        _ exchange: Exchange,
        head: ResponseHead,
        server: Int,
        context: ChannelHandlerContext
    ) {
        guard let upstream = exchange.upstream, let serverChannel = upstream.context?.channel else { return }
        var bytes = context.channel.allocator.buffer(capacity: head.bytes.readableBytes + 16)
        HeadWriter.writeClientResponse(
            head,
            clientMinorVersion: 1,
            setCookie: nil,
            connection: .none,
            dropTransferEncoding: false,
            keepsUpgrade: true,
            into: &bytes
        )
        context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
        exchange.upstream = nil
        let fromServer = upstream.handOver()
        let fromClient = inbound.map { [$0] } ?? []
        inbound = nil
        phase = .closing
        timer?.cancel()
        timer = nil
        frontend.metrics?.tunnels.increment()
        var entry = frontend.accessLog.map { AccessLogEntry(log: $0, record: exchange.log) }
        entry?.record.responseStarted(status: head.status, now: currentTime)
        entry?.record.tunnelled = true
        entry?.record.compactRequest()
        entry?.record.bytesOut += bytes.readableBytes + (fromServer?.readableBytes ?? 0)
        entry?.record.bytesIn += fromClient.reduce(0) { $0 + $1.readableBytes }
        TunnelHandler.start(
            client: context.channel,
            server: serverChannel,
            holding: server,
            of: exchange.backend,
            idleTimeout: frontend.tunnelTimeout,
            initialToServer: fromClient,
            initialToClient: fromServer,
            accessLog: entry
        )
        context.pipeline.syncOperations.removeHandler(self, promise: nil)
    }

    func upstreamReceivedBody(_ bytes: ByteBuffer) {
        guard let exchange = currentExchange else { return }
        exchange.log.bytesOut += bytes.readableBytes
        exchange.machine.responseBodyReceived(now: currentTime)
        write(bytes, flush: false)
    }

    func upstreamReceivedEnd(reusable: Bool) {
        guard let exchange = currentExchange, let context else { return }
        let (server, reuse, keepClient, failed): (Int, Bool, Bool, Bool)
        switch exchange.machine.responseEnded() {
        case .finish(let s, let r, let k, let f): (server, reuse, keepClient, failed) = (s, r, k, f)
        }
        let upstream = exchange.upstream
        exchange.upstream = nil
        upstream?.detach()
        exchange.backend.release(server, outcome: failed ? .failed(reason: "5xx status") : .succeeded)
        if reuse, reusable, exchange.backend.sendProxy == nil, let upstream, upstream.isActive,
            let pool = exchange.backend.pool(for: context.eventLoop)
        {
            pool.put(upstream, server: server)
        } else {
            upstream?.close()
        }
        context.flush()
        logEnded(exchange, .completed)
        exchangeFinished(keepAlive: keepClient)
    }

    func upstreamReadComplete() {
        context?.flush()
    }

    func upstreamWritabilityChanged(isWritable: Bool) {
        if isWritable { resumeReadsIfHeld() }
    }

    func upstreamFailed(invalidResponse: String?) {
        guard let exchange = currentExchange, exchange.upstream != nil else { return }
        handle(
            exchange.machine.upstreamClosed(),
            exchange,
            reason: invalidResponse ?? "connection closed",
            cause: .serverFailed
        )
    }
}
