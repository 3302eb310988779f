import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import TandemBalancing

/// The client side of the layer-7 proxy: one instance per client connection, on that connection's
/// event loop, with no Task or actor hop per request.
///
/// It routes each request head to a backend, picks a server, takes a pooled connection or opens one on
/// the same event loop, and streams both bodies with backpressure: it stops reading the client while
/// the server cannot take more, and the upstream handler stops reading the server while the client
/// cannot take more, so memory stays flat whatever the body size.
/// Requests are handled one at a time; `HTTPServerPipelineHandler` in front of it holds pipelined ones.
final class HTTPProxyHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let frontend: FrontendRuntime
    private let logger: Logger
    private var context: ChannelHandlerContext?
    private var observer: ClientInputObserver?
    private var exchange: ProxyExchange?
    private var pendingClientRead = false
    private var clientAddress: String?
    private var closing = false

    init(frontend: FrontendRuntime, logger: Logger) {
        self.frontend = frontend
        self.logger = logger
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.observer = try? context.pipeline.syncOperations.handler(type: ClientInputObserver.self)
        self.clientAddress = context.channel.remoteAddress?.ipAddress
        if context.channel.isActive { observer?.expectRequest() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        observer?.expectRequest()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            requestHeadReceived(head, context: context)
        case .body(let buffer):
            requestPartReceived(.body(.byteBuffer(buffer)))
        case .end(let trailers):
            requestPartReceived(.end(trailers))
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        exchange?.upstream?.flush()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        exchange?.upstream?.readsPaused = !context.channel.isWritable
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closing = true
        if let exchange { abandon(exchange) }
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ClientInputObserver.BodyStalled {
            requestBodyStalled(context: context)
            return
        }
        guard event is CloseWhenIdle else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        if let exchange {
            // Finish this exchange, then close (writeResponseHead or responseCompleted sees the flag).
            exchange.clientKeepAlive = false
        } else if !closing {
            closing = true
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let parserError = error as? HTTPParserError {
            answerParserError(parserError, context: context)
        } else {
            logger.debug("client connection error", metadata: ["error": "\(error)"])
            context.close(promise: nil)
        }
    }

    func read(context: ChannelHandlerContext) {
        if shouldHoldClientReads {
            pendingClientRead = true
        } else {
            context.read()
        }
    }

    /// Request body buffered while no server is attached, before the client's reads are held.
    static let maxBufferedBodyBytes = 64 * 1024

    private var shouldHoldClientReads: Bool {
        guard let exchange else { return false }
        switch exchange.phase {
        case .connecting, .queued:
            // Keep reading a little while waiting, so that a body which stalls is seen (and timed out) even
            // before a server is attached: a slow client then never gets to hold a server slot.
            return exchange.pendingBodyBytes >= Self.maxBufferedBodyBytes
        case .forwarding(let upstream): return !upstream.isWritable
        case .answeredLocally, .finished: return false
        }
    }

    private func resumeClientReadsIfHeld() {
        guard pendingClientRead, !shouldHoldClientReads, let context else { return }
        pendingClientRead = false
        context.read()
    }

    // MARK: Request head

    private func requestHeadReceived(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let accepted: RequestHeadValidation.Accepted
        switch RequestHeadValidation.check(head, limits: frontend.headLimits) {
        case .success(let value):
            accepted = value
        case .failure(let problem) where head.method == .CONNECT:
            closing = true
            observer?.answerBelowTheCodecAndClose(problem)
            return
        case .failure(let problem):
            observer?.headReceived()
            answerLocally(problem, version: head.version, keepAlive: false)
            return
        }
        observer?.headReceived(expectingBody: accepted.framing.hasBody)
        var upstreamHead = accepted.upstreamHead
        let backendIndex = frontend.routes.backend(host: accepted.host, target: upstreamHead.uri)
        let backend = frontend.backends[backendIndex]
        upstreamHead.headers.addForwardingFields(clientIP: clientAddress, scheme: frontend.scheme, host: accepted.host)

        var pinned: Int?
        if let cookieName = backend.cookieName {
            pinned = extractPersistenceCookie(named: cookieName, from: &upstreamHead.headers, backend: backend)
        }

        let exchange = ProxyExchange(
            backend: backend,
            upstreamHead: upstreamHead,
            clientVersion: head.version,
            clientKeepAlive: head.isKeepAlive && !closing
        )
        exchange.pinnedServer = pinned
        self.exchange = exchange
        dispatch(exchange)
    }

    /// Reads and removes the persistence cookie; returns the server it pins, if it names one.
    private func extractPersistenceCookie(
        named name: String,
        from headers: inout HTTPHeaders,
        backend: BackendRuntime
    ) -> Int? {
        let cookieHeaders = headers["cookie"]
        guard !cookieHeaders.isEmpty else { return nil }
        var found: String?
        var kept: [String] = []
        for header in cookieHeaders {
            let (value, remaining) = PersistenceCookie.extract(name: name, from: header)
            if let value { found = value }
            if let remaining { kept.append(remaining) }
        }
        headers.remove(name: "cookie")
        for header in kept { headers.add(name: "Cookie", value: header) }
        guard let found else { return nil }
        return backend.withBalancer { $0.persistentServer(cookieValue: found) }
    }

    // MARK: Choosing a server and connecting

    private func dispatch(_ exchange: ProxyExchange) {
        guard let context else { return }
        exchange.attempts += 1
        let choice = exchange.backend.choose(
            pinned: exchange.pinnedServer,
            key: balancingKey(for: exchange),
            avoiding: exchange.avoiding
        )
        proceed(exchange, with: choice, context: context)
    }

    private func proceed(_ exchange: ProxyExchange, with choice: BackendState.Choice, context: ChannelHandlerContext) {
        let backend = exchange.backend
        switch choice {
        case .server(let index, let cookie):
            exchange.server = index
            if cookie != nil { exchange.setCookie = cookie }
            obtainConnection(for: exchange, server: index, context: context)
        case .allBusy:
            waitForSlot(exchange, context: context)
        case .noneAvailable where !exchange.avoiding.isEmpty:
            // Every server left was tried and failed for this request: that is a gateway failure, not an
            // outage of the backend.
            answerLocally(.badGateway, exchange: exchange)
        case .noneAvailable:
            answerLocally(
                .serviceUnavailable("no server of backend \(backend.name) is available", retryAfterSeconds: 5),
                exchange: exchange
            )
        }
    }

    private func balancingKey(for exchange: ProxyExchange) -> BalancingKey {
        switch exchange.backend.algorithm {
        case .sourceHash: .clientAddress(clientAddress ?? "")
        case .uriHash: .path(exchange.upstreamHead.uri)
        case .roundRobin, .random, .leastConnections, .leastLoaded: .none
        }
    }

    // MARK: Waiting for a server slot

    /// Every server this request may use is at `max_connections`: wait in the backend's queue, or answer 503
    /// when the queue is full.
    private func waitForSlot(_ exchange: ProxyExchange, context: ChannelHandlerContext) {
        let backend = exchange.backend
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let boundExchange = NIOLoopBound(exchange, eventLoop: context.eventLoop)
        let request = QueuedRequest(
            pinned: exchange.pinnedServer,
            key: balancingKey(for: exchange),
            avoiding: exchange.avoiding,
            eventLoop: context.eventLoop
        ) { outcome in
            bound.value.queueDecided(boundExchange.value, outcome)
        }
        switch backend.enqueue(request) {
        case .chosen(let choice):
            proceed(exchange, with: choice, context: context)
        case .full:
            let reason =
                backend.maxQueue == 0
                ? "every server of backend \(backend.name) is at its connection limit"
                : "every server of backend \(backend.name) is at its connection limit and its queue is full"
            answerLocally(.serviceUnavailable(reason, retryAfterSeconds: 1), exchange: exchange)
        case .waiting:
            exchange.phase = .queued(request)
            let timeout = backend.queueTimeout
            exchange.queueTimer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
                guard let self, self.exchange === exchange, case .queued(let request) = exchange.phase else { return }
                // False when the queue already decided: that decision is on its way here.
                guard backend.cancelWait(request) else { return }
                exchange.queueTimer = nil
                let waited = "\(timeout.nanoseconds / 1_000_000)ms"
                self.answerLocally(
                    .serviceUnavailable(
                        "no server of backend \(backend.name) had a free connection slot within \(waited)",
                        retryAfterSeconds: 1
                    ),
                    exchange: exchange
                )
            }
        }
    }

    /// The queue's decision for `exchange`, on this handler's loop.
    private func queueDecided(_ exchange: ProxyExchange, _ outcome: QueuedRequest.Outcome) {
        guard self.exchange === exchange, case .queued = exchange.phase, let context else {
            // The client left (or the queue timer answered) after the decision was taken: give the slot back.
            if case .granted(let server, _) = outcome { exchange.backend.release(server, outcome: .abandoned) }
            return
        }
        exchange.queueTimer?.cancel()
        exchange.queueTimer = nil
        exchange.phase = .connecting
        switch outcome {
        case .granted(let server, let cookie): proceed(exchange, with: .server(server, cookie: cookie), context: context)
        case .unavailable: proceed(exchange, with: .noneAvailable, context: context)
        }
    }

    private func obtainConnection(for exchange: ProxyExchange, server: Int, context: ChannelHandlerContext) {
        let backend = exchange.backend
        if let pooled = backend.pool(for: context.eventLoop)?.take(server: server) {
            attach(pooled, to: exchange)
            return
        }
        let target = backend.servers[server].address
        ClientBootstrap(group: context.eventLoop)
            .connectTimeout(backend.connectTimeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let decoder = HTTPResponseDecoder(informationalResponseStrategy: .forward)
                    // The framing fields were rebuilt from the decoder's decision: the encoder must not touch them
                    // (by default it drops them for TRACE and adds chunked to a bodiless POST).
                    var encoding = HTTPRequestEncoder.Configuration()
                    encoding.automaticallySetFramingHeaders = false
                    try channel.pipeline.syncOperations.addHandlers(
                        HTTPRequestEncoder(configuration: encoding),
                        ByteToMessageHandler(decoder),
                        UpstreamHandler()
                    )
                }
            }
            .connect(to: target)
            .assumeIsolated()
            .whenComplete { [weak self] result in
                guard let self else { return }
                switch result {
                case .success(let channel):
                    guard let upstream = try? channel.pipeline.syncOperations.handler(type: UpstreamHandler.self)
                    else {
                        channel.close(promise: nil)
                        return
                    }
                    guard self.exchange === exchange, case .connecting = exchange.phase else {
                        // The client went away while we connected.
                        upstream.close()
                        return
                    }
                    self.attach(upstream, to: exchange)
                case .failure(let error):
                    guard self.exchange === exchange, case .connecting = exchange.phase else { return }
                    self.upstreamFailed(exchange, nothingSent: true, timedOut: false, error: error)
                }
            }
    }

    private func attach(_ upstream: UpstreamHandler, to exchange: ProxyExchange) {
        exchange.phase = .forwarding(upstream)
        upstream.delegate = self
        upstream.readsPaused = !(context?.channel.isWritable ?? true)
        upstream.write(.head(exchange.upstreamHead))
        exchange.pendingBodyBytes = 0
        while let part = exchange.pendingParts.popFirst() {
            if case .body = part { exchange.requestBodyForwarded = true }
            upstream.write(part)
        }
        upstream.flush()
        if exchange.requestEnded { armResponseTimer(exchange) }
        resumeClientReadsIfHeld()
    }

    // MARK: Request body

    private func requestPartReceived(_ part: HTTPClientRequestPart) {
        if case .end = part { observer?.bodyEnded() }
        guard let exchange else { return }
        if case .end = part { exchange.requestEnded = true }
        switch exchange.phase {
        case .connecting, .queued:
            if case .body(.byteBuffer(let buffer)) = part { exchange.pendingBodyBytes += buffer.readableBytes }
            exchange.pendingParts.append(part)
        case .forwarding(let upstream):
            if case .body = part { exchange.requestBodyForwarded = true }
            upstream.write(part)
            if case .end = part {
                upstream.flush()
                armResponseTimer(exchange)
            }
        case .answeredLocally, .finished:
            break
        }
    }

    /// The client sent nothing of its body for `timeouts.client`: give the server slot back and answer 408, or
    /// close when the response already began. A stall the proxy caused by holding reads is not the client's.
    private func requestBodyStalled(context: ChannelHandlerContext) {
        if pendingClientRead || shouldHoldClientReads { return }
        guard let exchange else {
            // The request was answered locally and its body is being discarded: nothing more to wait for.
            closing = true
            context.close(promise: nil)
            return
        }
        let responseStarted = exchange.responseStarted
        abandon(exchange)
        if responseStarted {
            closing = true
            context.close(promise: nil)
        } else {
            answerLocally(.bodyTimeout, version: exchange.clientVersion, keepAlive: false)
        }
    }

    // MARK: Response

    private func armResponseTimer(_ exchange: ProxyExchange) {
        guard let context, exchange.responseTimer == nil else { return }
        exchange.lastUpstreamActivity = .now()
        scheduleResponseTimer(exchange, in: exchange.backend.responseTimeout, context: context)
    }

    private func scheduleResponseTimer(_ exchange: ProxyExchange, in delay: TimeAmount, context: ChannelHandlerContext) {
        exchange.responseTimer = context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [weak self] in
            guard let self, self.exchange === exchange, case .forwarding = exchange.phase else { return }
            if let upstream = exchange.upstream, upstream.readsPaused {
                // The client is slow to take the response, so the server is held back by us, not idle.
                exchange.lastUpstreamActivity = .now()
            }
            let idle = NIODeadline.now() - exchange.lastUpstreamActivity
            let limit = exchange.backend.responseTimeout
            if idle < limit {
                self.scheduleResponseTimer(exchange, in: limit - idle, context: context)
            } else {
                self.upstreamFailed(exchange, nothingSent: false, timedOut: true, error: nil)
            }
        }
    }

    private func writeResponseHead(_ head: HTTPResponseHead, exchange: ProxyExchange) {
        guard let context else { return }
        var response = head
        response.version = exchange.clientVersion
        let isInformational = head.status.code < 200
        response.headers.removeHopByHop()
        if isInformational {
            context.write(wrapOutboundOut(.head(response)), promise: nil)
            return
        }
        exchange.responseStarted = true
        if let cookie = exchange.setCookie, let name = exchange.backend.cookieName {
            response.headers.add(
                name: "Set-Cookie",
                value: PersistenceCookie.setCookieHeader(name: name, value: cookie, secure: frontend.scheme == "https")
            )
        }
        let delimitedByClose =
            exchange.clientVersion.minor == 0 && !response.headers.contains(name: "content-length")
            && !exchange.isHeadRequest && head.status.mayHaveResponseBody
        if delimitedByClose || !exchange.requestEnded || frontend.clientConnections.closesKeepAlive {
            exchange.clientKeepAlive = false
        }
        if !exchange.clientKeepAlive {
            response.headers.add(name: "Connection", value: "close")
        } else if exchange.clientVersion.minor == 0 {
            response.headers.add(name: "Connection", value: "keep-alive")
        }
        context.write(wrapOutboundOut(.head(response)), promise: nil)
    }

    private func responseCompleted(_ exchange: ProxyExchange, upstream: UpstreamHandler, trailers: HTTPHeaders?) {
        guard let context else { return }
        exchange.responseTimer?.cancel()
        exchange.phase = .finished
        // Read the server before releaseServer clears it: the connection goes back to that server's pool.
        let server = exchange.server
        releaseServer(of: exchange, outcome: exchange.serverFailure.map { .failed(reason: $0) } ?? .succeeded)
        let reusable = upstream.isActive && exchange.requestEnded && exchange.upstreamKeepAlive
        upstream.exchangeCompleted()
        if reusable, let server, let pool = exchange.backend.pool(for: context.eventLoop) {
            pool.put(upstream, server: server)
        } else {
            upstream.close()
        }
        self.exchange = nil
        let keepAlive = exchange.clientKeepAlive && !closing
        // Before the end is written: writing it lets the pipelining handler deliver a buffered next request at
        // once, and that request's head must find the observer waiting for it, not be followed by a reset to idle.
        if keepAlive { observer?.expectRequest() }
        let written = context.writeAndFlush(wrapOutboundOut(.end(trailers)))
        if !keepAlive {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    private func releaseServer(of exchange: ProxyExchange, outcome: BackendRuntime.RequestOutcome) {
        guard let server = exchange.server else { return }
        exchange.server = nil
        exchange.backend.release(server, outcome: outcome)
    }

    // MARK: Failures

    private func upstreamFailed(_ exchange: ProxyExchange, nothingSent: Bool, timedOut: Bool, error: (any Error)?) {
        exchange.responseTimer?.cancel()
        exchange.responseTimer = nil
        let failedServer = exchange.server
        if let upstream = exchange.upstream {
            upstream.delegate = nil
            upstream.close()
        }
        let reason = error.map { "\($0)" } ?? (timedOut ? "response timeout" : "connection closed")
        releaseServer(of: exchange, outcome: .failed(reason: reason))
        if let failedServer {
            logger.debug(
                "backend server failed",
                metadata: [
                    "backend": "\(exchange.backend.name)",
                    "server": "\(exchange.backend.servers[failedServer].name)",
                    "error": "\(reason)",
                ]
            )
        }
        guard !exchange.responseStarted else {
            // Part of the response is already with the client: the only honest signal left is a close.
            exchange.phase = .finished
            self.exchange = nil
            context?.close(promise: nil)
            return
        }
        if !timedOut, exchange.mayRetry(nothingSent: nothingSent) {
            if let failedServer { exchange.avoiding.insert(failedServer) }
            exchange.phase = .connecting
            requeueUnsentParts(exchange)
            dispatch(exchange)
            return
        }
        answerLocally(timedOut ? .gatewayTimeout : .badGateway, exchange: exchange)
    }

    /// Puts the request's end back in the replay buffer when it had already been written upstream.
    private func requeueUnsentParts(_ exchange: ProxyExchange) {
        if exchange.requestEnded, !exchange.pendingParts.contains(where: { if case .end = $0 { true } else { false } }) {
            exchange.pendingParts.append(.end(nil))
        }
    }

    private func abandon(_ exchange: ProxyExchange) {
        exchange.responseTimer?.cancel()
        exchange.queueTimer?.cancel()
        switch exchange.phase {
        case .forwarding(let upstream):
            upstream.delegate = nil
            upstream.close()
        case .queued(let request):
            // When this fails the queue's decision is on its way; `queueDecided` gives its slot back.
            _ = exchange.backend.cancelWait(request)
        case .connecting, .answeredLocally, .finished:
            break
        }
        exchange.phase = .finished
        releaseServer(of: exchange, outcome: .abandoned)
        self.exchange = nil
    }

    // MARK: Local answers

    private func answerLocally(_ response: ProxyErrorResponse, exchange: ProxyExchange) {
        exchange.phase = .answeredLocally
        exchange.pendingParts.removeAll()
        releaseServer(of: exchange, outcome: .abandoned)
        let keepAlive = exchange.clientKeepAlive && !response.closesConnection && exchange.requestEnded
        exchange.clientKeepAlive = keepAlive
        exchange.phase = .finished
        if self.exchange === exchange { self.exchange = nil }
        // Before the answer is written, for the same reason as in `responseCompleted`.
        if keepAlive { observer?.expectRequest() }
        answerLocally(response, version: exchange.clientVersion, keepAlive: keepAlive)
        resumeClientReadsIfHeld()
    }

    private func answerLocally(_ response: ProxyErrorResponse, version: HTTPVersion, keepAlive: Bool) {
        guard let context else { return }
        var body = context.channel.allocator.buffer(capacity: response.body.utf8.count)
        body.writeString(response.body)
        context.write(wrapOutboundOut(.head(response.head(version: version, close: !keepAlive))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            closing = true
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    private func answerParserError(_ error: HTTPParserError, context: ChannelHandlerContext) {
        if closing {
            // A response already went out and the connection is closing (a local answer before the body ended,
            // then the client's EOF mid-body): one response per request, so nothing more is said.
            context.close(promise: nil)
            return
        }
        if let exchange, exchange.responseStarted {
            // The request stream broke while the response was already flowing: nothing can be said.
            abandon(exchange)
            context.close(promise: nil)
            return
        }
        if let exchange { abandon(exchange) }
        let response: ProxyErrorResponse
        switch error {
        case .headerOverflow:
            response = (observer?.requestLineComplete ?? true) ? .headersTooLarge(nil) : .uriTooLong
        case .unknown where observer?.capturedHeadHasField("transfer-encoding") ?? false:
            // llhttp reports both a refused coding and Transfer-Encoding after Content-Length this way;
            // the latter is a smuggling shape, not an unsupported feature.
            if observer?.capturedHeadHasField("content-length") ?? false {
                response = .badRequest("Content-Length together with Transfer-Encoding")
            } else {
                response = .notImplemented("only the chunked transfer coding is supported")
            }
        case .unexpectedContentLength, .invalidContentLength:
            response = .badRequest("invalid or conflicting message framing")
        default:
            response = .badRequest("malformed request")
        }
        observer?.headReceived()
        answerLocally(response, version: .http1_1, keepAlive: false)
    }
}

extension HTTPProxyHandler: UpstreamDelegate {
    func upstreamReceived(_ part: HTTPClientResponsePart) {
        guard let exchange, let context, case .forwarding(let upstream) = exchange.phase else { return }
        exchange.lastUpstreamActivity = .now()
        switch part {
        case .head(let head):
            if head.status == .switchingProtocols {
                // Nothing asked for a protocol switch (Upgrade is not forwarded): the connection can no longer be
                // read as HTTP, so it is dropped and the client told the gateway failed.
                exchange.responseTimer?.cancel()
                exchange.responseTimer = nil
                upstream.delegate = nil
                upstream.close()
                releaseServer(of: exchange, outcome: .failed(reason: "unrequested 101 Switching Protocols"))
                answerLocally(.badGateway, exchange: exchange)
                return
            }
            if head.status.code >= 200 {
                exchange.upstreamKeepAlive = exchange.upstreamKeepAlive && head.isKeepAlive
                if head.status.code >= 500 { exchange.serverFailure = "status \(head.status.code)" }
                if !exchange.requestEnded { armResponseTimer(exchange) }
            } else if head.status != .continue {
                // Only 100 Continue is known to leave the framing alone; after any other interim response the
                // connection is not reused.
                exchange.upstreamKeepAlive = false
            }
            writeResponseHead(head, exchange: exchange)
        case .body(let buffer):
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        case .end(let trailers):
            responseCompleted(exchange, upstream: upstream, trailers: trailers)
        }
    }

    func upstreamReadComplete() {
        context?.flush()
    }

    func upstreamWritabilityChanged(isWritable: Bool) {
        if isWritable { resumeClientReadsIfHeld() }
    }

    func upstreamClosed(error: (any Error)?) {
        guard let exchange, case .forwarding = exchange.phase else { return }
        upstreamFailed(exchange, nothingSent: false, timedOut: false, error: error)
    }
}

extension HTTPResponseStatus {
    /// Whether a response with this status can carry a body (not 1xx, 204 or 304).
    var mayHaveResponseBody: Bool {
        !(code < 200 || code == 204 || code == 304)
    }
}
