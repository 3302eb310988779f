import NIOCore

/// One request's life through the proxy, as a pure value: the client connection handler feeds it events and
/// executes the actions it returns, and does nothing the machine did not decide.
///
/// The phases follow Pingora's order: the head is received and a server chosen (`choosingServer`), the request may
/// wait for a slot (`queued`), a connection is obtained (`connecting`), the request flows to the server
/// (`forwarding`), the response flows to the client (`responding`), and the exchange ends (`finished`), with a
/// failure leading to a retry on another server or to an answer of the proxy's own. Every deadline lives in the
/// state it guards and goes when the state is left; ``nextDeadline`` is the earliest one, which the handler's single
/// connection timer is armed for, so there is no scheduled task per request. Time is passed in (`now`), so tests
/// step it by hand.
struct ExchangeStateMachine {
    /// The limits an exchange is timed and retried by.
    struct Limits {
        /// The backend's name, for the answers that name it.
        var backend: String
        /// How long the server may stay silent once the request is complete, and between response bytes.
        var responseTimeout: TimeAmount
        var queueTimeout: TimeAmount
        /// How long the client may send nothing while its request body is open.
        var clientTimeout: TimeAmount
        /// Additional attempts on other servers after a failure.
        var retries: Int
    }

    enum State: Equatable {
        /// The head is in; the handler asks the backend for a server.
        case choosingServer
        /// Waiting in the backend's queue for a free slot until `deadline`.
        case queued(deadline: NIODeadline)
        /// A connection to `server` is being obtained (pooled or new; the connect timeout is the socket's).
        case connecting(server: Int)
        /// Attached to `server`; the request flows, no final response head yet. `deadline` runs once the request
        /// has ended, and moves with every byte from the server.
        case forwarding(server: Int, deadline: NIODeadline?)
        /// The final response head went to the client; the body streams until `deadline` of server silence.
        case responding(server: Int, deadline: NIODeadline)
        /// Completed, answered locally, or abandoned.
        case finished
    }

    /// What to do after the backend's choice.
    enum ChoiceAction: Equatable {
        /// Obtain a connection to `server`; `setCookie` is the persistence value to send with the response.
        case connect(server: Int, setCookie: String?)
        /// Every server this request may use is full: queue it (the handler then calls ``queued(now:)``).
        case enqueue
        /// Answer the client with this and end the exchange.
        case answer(ProxyErrorResponse)
    }

    /// What to do after something failed on the server side.
    enum FailureAction: Equatable {
        /// Release `server` as failed and choose again, avoiding it (the buffered request is replayed).
        case retry(failedServer: Int?)
        /// Release the server as failed and answer the client.
        case answer(ProxyErrorResponse, failedServer: Int?)
        /// Part of the response is already with the client: release the server as failed and close the client.
        case closeClient(failedServer: Int?)
    }

    /// What a response head from the server means.
    enum ResponseHeadAction: Equatable {
        /// An interim response (1xx other than 101): pass it on to a client that can take it.
        case forwardInterim
        /// The final response: write its head; the client connection stays open afterwards when `keepClient`.
        case forwardFinal
        /// A 101 nobody asked for: drop the connection and answer 502.
        case refuse(FailureAction)
        /// The server switched protocols as the client asked: both connections become a byte tunnel, which holds
        /// `server`'s slot until it ends.
        case switchToTunnel(server: Int)
    }

    /// What the end of the response means.
    enum EndAction: Equatable {
        /// Release `server` (succeeded or failed by status), return the connection to the pool when `reuse`, and
        /// close the client afterwards unless `keepClient`.
        case finish(server: Int, reuse: Bool, keepClient: Bool, failed: Bool)
    }

    /// What a deadline that passed means.
    enum TimerAction: Equatable {
        case none
        /// The queue wait is over: take the request out of the queue and answer 503.
        case leaveQueue(ProxyErrorResponse)
        /// The server went silent: as for a failure.
        case serverTimedOut(FailureAction)
        /// The client's body stalled: release the server (not its fault), answer 408, or just close when the
        /// response began.
        case clientStalled(answer: ProxyErrorResponse?, server: Int?)
    }

    let limits: Limits
    let isIdempotent: Bool
    /// The client asked to switch protocols (WebSocket): a 101 is then the way forward, not an error.
    let upgradeRequested: Bool
    /// Whether the client connection may stay open after this exchange; goes false on the way, never back.
    private(set) var clientKeepAlive: Bool
    private(set) var state: State = .choosingServer
    private(set) var attempts = 0
    private(set) var avoiding: Set<Int> = []
    private(set) var requestEnded: Bool
    /// Whether request body bytes went to a server (then it cannot be replayed elsewhere).
    private(set) var requestBodyForwarded = false
    /// Whether the final response head went to the client.
    private(set) var responseStarted = false
    /// Whether the server connection may serve another request after this one.
    private(set) var upstreamReusable = true
    /// Whether the server's answer counts as its failure (a 5xx status) for outlier detection.
    private(set) var serverFailed = false
    /// While the request body is open: when the client must have sent more.
    private var clientDeadline: NIODeadline?

    init(
        limits: Limits,
        isIdempotent: Bool,
        hasBody: Bool,
        clientKeepAlive: Bool,
        upgradeRequested: Bool = false,
        now: NIODeadline
    ) {
        self.limits = limits
        self.isIdempotent = isIdempotent
        self.upgradeRequested = upgradeRequested
        self.clientKeepAlive = clientKeepAlive
        self.requestEnded = !hasBody
        if hasBody { clientDeadline = now + limits.clientTimeout }
    }

    /// The server currently held (one in-flight slot), if any.
    var server: Int? {
        switch state {
        case .connecting(let server), .forwarding(let server, _), .responding(let server, _): server
        case .choosingServer, .queued, .finished: nil
        }
    }

    /// Whether request bytes can be written to a server now (else the handler buffers them).
    var isAttached: Bool {
        switch state {
        case .forwarding, .responding: true
        case .choosingServer, .queued, .connecting, .finished: false
        }
    }

    var isFinished: Bool { state == .finished }

    /// The earliest deadline of the current state and of the client's body.
    var nextDeadline: NIODeadline? {
        let own: NIODeadline?
        switch state {
        case .queued(let deadline), .responding(_, let deadline): own = deadline
        case .forwarding(_, let deadline): own = deadline
        case .choosingServer, .connecting, .finished: own = nil
        }
        switch (own, clientDeadline) {
        case (let a?, let b?): return min(a, b)
        case (let a?, nil): return a
        case (nil, let b): return b
        }
    }

    // MARK: Choosing a server

    /// The handler asked the backend; `choice` is its answer.
    mutating func serverChosen(_ choice: BackendState.Choice) -> ChoiceAction {
        precondition(state == .choosingServer, "a server was chosen in \(state)")
        switch choice {
        case .server(let server, let cookie):
            attempts += 1
            state = .connecting(server: server)
            return .connect(server: server, setCookie: cookie)
        case .allBusy:
            return .enqueue
        case .noneAvailable where !avoiding.isEmpty:
            // Every server left was tried and failed for this request: a gateway failure, not an outage.
            return finish(answering: .badGateway)
        case .noneAvailable:
            return finish(
                answering: .serviceUnavailable(
                    "no server of backend \(limits.backend) is available",
                    retryAfterSeconds: 5
                )
            )
        }
    }

    /// The request entered the backend's queue.
    mutating func queued(now: NIODeadline) {
        precondition(state == .choosingServer, "queued in \(state)")
        state = .queued(deadline: now + limits.queueTimeout)
    }

    /// The queue was full.
    mutating func queueFull(hasQueue: Bool) -> ProxyErrorResponse {
        let reason =
            hasQueue
            ? "every server of backend \(limits.backend) is at its connection limit and its queue is full"
            : "every server of backend \(limits.backend) is at its connection limit"
        return finishAnswer(.serviceUnavailable(reason, retryAfterSeconds: 1))
    }

    /// The queue granted a slot (or found no server left). Returns nil when the exchange no longer waits, in which
    /// case the handler gives a granted slot back.
    mutating func queueDecided(_ choice: BackendState.Choice) -> ChoiceAction? {
        guard case .queued = state else { return nil }
        state = .choosingServer
        return serverChosen(choice)
    }

    // MARK: Connecting

    /// A connection to the server is ready: the handler writes the head and the buffered body.
    mutating func connected(now: NIODeadline) {
        guard case .connecting(let server) = state else { preconditionFailure("connected in \(state)") }
        state = .forwarding(server: server, deadline: requestEnded ? now + limits.responseTimeout : nil)
    }

    mutating func connectFailed() -> FailureAction {
        guard case .connecting(let server) = state else { preconditionFailure("connect failed in \(state)") }
        return failed(server: server, nothingSent: true, timedOut: false)
    }

    // MARK: Request body

    /// Client bytes arrived (a body part, or the end); `ended` when the body is complete.
    mutating func requestBodyReceived(ended: Bool, now: NIODeadline) {
        if isAttached { requestBodyForwarded = true }
        guard ended else {
            if clientDeadline != nil { clientDeadline = now + limits.clientTimeout }
            return
        }
        requestEnded = true
        clientDeadline = nil
        if case .forwarding(let server, nil) = state {
            state = .forwarding(server: server, deadline: now + limits.responseTimeout)
        }
    }

    /// The buffered body went to the server on attach.
    mutating func bufferedBodyForwarded() {
        requestBodyForwarded = true
    }

    /// The client's body is malformed: the exchange cannot continue.
    mutating func requestInvalid() -> (answer: ProxyErrorResponse?, server: Int?) {
        let server = self.server
        let started = responseStarted
        clientKeepAlive = false
        state = .finished
        return (started ? nil : .badRequest("malformed request body"), server)
    }

    // MARK: Response

    mutating func responseHeadReceived(status: Int, keepAlive: Bool, now: NIODeadline) -> ResponseHeadAction {
        guard case .forwarding(let server, _) = state else { preconditionFailure("response head in \(state)") }
        if status == 101, upgradeRequested {
            upstreamReusable = false
            clientKeepAlive = false
            responseStarted = true
            state = .finished
            return .switchToTunnel(server: server)
        }
        if status == 101 {
            upstreamReusable = false
            return .refuse(failed(server: server, nothingSent: false, timedOut: false, retry: false))
        }
        if status < 200 {
            // Only 100 Continue is known to leave the framing of the connection alone.
            if status != 100 { upstreamReusable = false }
            state = .forwarding(server: server, deadline: requestEnded ? now + limits.responseTimeout : nil)
            return .forwardInterim
        }
        upstreamReusable = upstreamReusable && keepAlive
        if status >= 500 { serverFailed = true }
        // A response before the whole request arrived leaves request bytes in flight: the client connection
        // closes after it (the rest of the body is discarded), and the server connection is not reused.
        if !requestEnded {
            clientKeepAlive = false
            upstreamReusable = false
        }
        responseStarted = true
        state = .responding(server: server, deadline: now + limits.responseTimeout)
        return .forwardFinal
    }

    /// The client must be closed after the response (keep-alive wind-down, an until-close body, HTTP/1.0).
    mutating func closeClientAfterResponse() {
        clientKeepAlive = false
    }

    /// Response bytes arrived; the server is alive.
    mutating func responseBodyReceived(now: NIODeadline) {
        switch state {
        case .responding(let server, _): state = .responding(server: server, deadline: now + limits.responseTimeout)
        case .forwarding(let server, .some): state = .forwarding(server: server, deadline: now + limits.responseTimeout)
        case .choosingServer, .queued, .connecting, .forwarding, .finished: break
        }
    }

    mutating func responseEnded() -> EndAction {
        guard case .responding(let server, _) = state else { preconditionFailure("response end in \(state)") }
        state = .finished
        return .finish(
            server: server,
            reuse: upstreamReusable && requestEnded,
            keepClient: clientKeepAlive && requestEnded,
            failed: serverFailed
        )
    }

    // MARK: Failures

    /// The server connection closed or failed before the response ended.
    mutating func upstreamClosed() -> FailureAction {
        switch state {
        case .forwarding(let server, _), .responding(let server, _):
            return failed(server: server, nothingSent: false, timedOut: false)
        case .connecting(let server):
            return failed(server: server, nothingSent: true, timedOut: false)
        case .choosingServer, .queued, .finished:
            preconditionFailure("upstream closed in \(state)")
        }
    }

    /// A deadline may have passed. `serverHeldBack` is true while the handler pauses the server because the client
    /// is slow to read; `clientHeldBack` while it pauses the client itself (backpressure): neither side is then idle
    /// by its own doing, and its deadline restarts.
    mutating func timerFired(now: NIODeadline, serverHeldBack: Bool, clientHeldBack: Bool) -> TimerAction {
        if let deadline = clientDeadline, deadline <= now {
            if clientHeldBack {
                clientDeadline = now + limits.clientTimeout
            } else {
                let server = self.server
                let answer: ProxyErrorResponse? = responseStarted ? nil : .bodyTimeout
                clientKeepAlive = false
                state = .finished
                return .clientStalled(answer: answer, server: server)
            }
        }
        switch state {
        case .queued(let deadline) where deadline <= now:
            let waited = "\(limits.queueTimeout.nanoseconds / 1_000_000)ms"
            let reason = "no server of backend \(limits.backend) had a free connection slot within \(waited)"
            return .leaveQueue(finishAnswer(.serviceUnavailable(reason, retryAfterSeconds: 1)))
        case .forwarding(let server, let deadline?) where deadline <= now:
            if serverHeldBack {
                state = .forwarding(server: server, deadline: now + limits.responseTimeout)
                return .none
            }
            return .serverTimedOut(failed(server: server, nothingSent: false, timedOut: true))
        case .responding(let server, let deadline) where deadline <= now:
            if serverHeldBack {
                state = .responding(server: server, deadline: now + limits.responseTimeout)
                return .none
            }
            return .serverTimedOut(failed(server: server, nothingSent: false, timedOut: true))
        case .choosingServer, .queued, .connecting, .forwarding, .responding, .finished:
            return .none
        }
    }

    /// The client went away: whatever is held is given up (the handler releases `server` as abandoned).
    mutating func clientClosed() -> Int? {
        let server = self.server
        clientKeepAlive = false
        state = .finished
        return server
    }

    /// Ends the exchange with an answer of the proxy's own; the client stays only if its request is complete.
    private mutating func finish(answering response: ProxyErrorResponse) -> ChoiceAction {
        .answer(finishAnswer(response))
    }

    private mutating func finishAnswer(_ response: ProxyErrorResponse) -> ProxyErrorResponse {
        if response.closesConnection || !requestEnded { clientKeepAlive = false }
        state = .finished
        return response
    }

    /// A failure on `server`: retry on another server when nothing was lost, else answer or close.
    private mutating func failed(server: Int, nothingSent: Bool, timedOut: Bool, retry: Bool = true) -> FailureAction {
        if responseStarted {
            clientKeepAlive = false
            state = .finished
            return .closeClient(failedServer: server)
        }
        let mayRetry =
            retry && !timedOut && !requestBodyForwarded && attempts <= limits.retries
            && (nothingSent || isIdempotent)
        if mayRetry {
            avoiding.insert(server)
            state = .choosingServer
            upstreamReusable = true
            return .retry(failedServer: server)
        }
        let answer = finishAnswer(timedOut ? .gatewayTimeout : .badGateway)
        return .answer(answer, failedServer: server)
    }
}
