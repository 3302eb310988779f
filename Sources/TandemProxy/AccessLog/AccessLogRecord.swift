import NIOCore

/// What one request (or one tunnel) did, collected on its event loop as it happens and formatted only when it ends:
/// instants from the loop's clock, counters, and references to bytes and names that exist anyway (the head as
/// received, the backend's names), so filling it costs stores and no `String`.
///
/// The timings are HAProxy's, in milliseconds, -1 for a phase never reached:
/// - `TR` (`head_ms`): from the head's first byte to its end.
/// - `Tw` (`queue_ms`): waiting in the backend's queue for a free slot (0 when a slot was free).
/// - `Tc` (`connect_ms`): connecting to the server of the last attempt (0 for a pooled connection).
/// - `Tr` (`response_ms`): from the server connection being ready to the final response head.
/// - `Ta` (`total_ms`): from the head's first byte (a tunnel: the accept) to the end.
///
/// The termination is HAProxy's two letters: who or what ended it (``Cause``), then the phase it was in
/// (``Phase``); `--` when it completed.
struct AccessLogRecord: Sendable {
    /// Who or what ended the exchange: the first letter of the termination.
    enum Cause: UInt8, Sendable {
        /// `-`: completed (a response of any status went out whole, a tunnel ended with both sides done).
        case completed = 0x2D
        /// `C`: the client closed or reset its connection.
        case clientClosed = 0x43
        /// `c`: the client was too slow: the head within `timeouts.header`, a body stalled for `timeouts.client`,
        /// a tunnel idle for its limit.
        case clientTimeout = 0x63
        /// `S`: the server refused the connection, closed or reset it, or answered something invalid; also no
        /// server available at all.
        case serverFailed = 0x53
        /// `s`: the server was too slow: the connect timeout, `timeouts.response`, or no slot within `queue_timeout`.
        case serverTimeout = 0x73
        /// `P`: the proxy refused the request (malformed or hostile head or body, CONNECT, a limit): 400, 405,
        /// 414, 431, 501.
        case refused = 0x50
        /// `R`: a resource of the proxy ran out: every server at `max_connections` and the queue full (503).
        case resources = 0x52
        /// `I`: an internal error (the two connections of a tunnel could not be joined).
        case internalError = 0x49
    }

    /// Where the exchange was when it ended: the second letter of the termination.
    enum Phase: UInt8, Sendable {
        /// `R`: receiving the request head (or a body while no server was attached yet).
        case request = 0x52
        /// `Q`: waiting in the queue.
        case queue = 0x51
        /// `C`: connecting to a server.
        case connect = 0x43
        /// `H`: the request went to the server; its response head had not come.
        case headers = 0x48
        /// `D`: the response (or the tunnel) was flowing.
        case data = 0x44
    }

    /// The request as the line shows it.
    enum Request: Sendable {
        /// A tunnel of a `mode: tcp` frontend: no request.
        case none
        /// A parsed head: its bytes and where the method and target are in them.
        case parsed(ByteBuffer, method: Range<Int>, target: Range<Int>, minorVersion: Int)
        /// A head that was refused or never completed: the start of its first line as received.
        case received(ByteBuffer)
    }

    let started: NIODeadline
    var clientIP: String?
    var clientPort: Int?
    var backend: BackendRuntime?
    /// The server of the last attempt, an index into `backend.servers`.
    var server: Int?
    var request: Request = .none
    /// The request came as an HTTP/2 stream: the engine parsed the HTTP/1.1 head the stream adapter wrote for it,
    /// and the line says `HTTP/2.0`, which is what the client spoke.
    var http2 = false
    /// The status sent to the client (the server's, or the proxy's own answer); nil when none was.
    var status: Int?
    /// Bytes received from the client: the head and body as framed on the wire, or a tunnel's bytes.
    var bytesIn = 0
    /// Bytes sent to the client.
    var bytesOut = 0
    var headReceived: NIODeadline?
    /// Time spent queued so far; nil until the request reached its backend.
    var queueWait: TimeAmount?
    var queuedSince: NIODeadline?
    var reachedQueue = false
    var connectStarted: NIODeadline?
    var connected: NIODeadline?
    var responseStarted: NIODeadline?
    /// The bytes flow as a tunnel (`mode: tcp`, or after `101 Switching Protocols`).
    var tunnelled = false
    var retries = 0
    /// Retries that went to another server than the one before.
    var redispatches = 0
    var ended: NIODeadline?
    var cause: Cause?
    private var endPhase: Phase?
    /// Why, when it did not complete: the refusal or the failure, as the proxy's answer or its log says it.
    var detail: String?

    init(started: NIODeadline, clientIP: String?, clientPort: Int?) {
        self.started = started
        self.clientIP = clientIP
        self.clientPort = clientPort
    }

    // MARK: Events, in the order of a request's life

    /// The head is complete and parsed.
    mutating func headReceived(_ head: RequestHead, backend: BackendRuntime, now: NIODeadline) {
        headReceived = now
        self.backend = backend
        request = .parsed(head.bytes, method: head.method, target: head.target, minorVersion: head.minorVersion)
        bytesIn += head.bytes.readableBytes
        queueWait = .zero
    }

    /// The request was offered to the backend's queue (it may be granted a slot at once, or find it full).
    mutating func queued(now: NIODeadline) {
        queuedSince = now
        reachedQueue = true
    }

    /// The queue decided (or was left).
    mutating func leftQueue(now: NIODeadline) {
        guard let since = queuedSince else { return }
        queuedSince = nil
        queueWait = (queueWait ?? .zero) + (now - since)
    }

    /// An attempt on `server` begins; `attempt` counts from 1.
    mutating func connecting(to server: Int, attempt: Int, now: NIODeadline) {
        if attempt > 1, let previous = self.server, previous != server { redispatches += 1 }
        self.server = server
        retries = max(0, attempt - 1)
        connectStarted = now
        connected = nil
    }

    mutating func connected(now: NIODeadline) {
        connected = now
    }

    /// The final response head went to the client.
    mutating func responseStarted(status: Int, now: NIODeadline) {
        self.status = status
        responseStarted = now
    }

    /// Keeps only the bytes of the request line the log shows, for a record that outlives its exchange by hours (an
    /// upgraded connection) and must not hold the head's receive buffer all that time.
    mutating func compactRequest() {
        guard case .parsed(let bytes, let method, let target, let minorVersion) = request else { return }
        let end = min(target.upperBound, target.lowerBound + AccessLogFormatter.maxTargetBytes)
        var copy = ByteBufferAllocator().buffer(capacity: end)
        copy.writeBytes(bytes.readableBytesView.prefix(end))
        request = .parsed(copy, method: method, target: target.lowerBound..<end, minorVersion: minorVersion)
    }

    /// Ends the record with `cause` unless it ended already; returns whether this call ended it. `phase` overrides
    /// the derived one where the progress says less than the cause (no server to connect to is a connect failure).
    mutating func end(_ cause: Cause, phase: Phase? = nil, detail: String? = nil, now: NIODeadline) -> Bool {
        guard self.cause == nil else { return false }
        endPhase = phase
        if let since = queuedSince {
            queuedSince = nil
            queueWait = (queueWait ?? .zero) + (now - since)
        }
        self.cause = cause
        if cause != .completed { self.detail = detail }
        ended = now
        return true
    }

    // MARK: Derived

    /// The phase the exchange was in when it ended: as given to ``end(_:phase:detail:now:)``, else how far it got.
    var phase: Phase {
        if let endPhase { return endPhase }
        if tunnelled || responseStarted != nil { return .data }
        if connected != nil { return .headers }
        if connectStarted != nil { return .connect }
        if reachedQueue { return .queue }
        return .request
    }

    /// The two letters of the termination, `--` when it completed.
    var termination: (UInt8, UInt8) {
        guard let cause, cause != .completed else { return (0x2D, 0x2D) }
        return (cause.rawValue, phase.rawValue)
    }

    /// A duration in whole milliseconds between two instants, or nil when either is missing.
    static func milliseconds(from start: NIODeadline?, to end: NIODeadline?) -> Int? {
        guard let start, let end else { return nil }
        return Int(max(0, (end - start).nanoseconds) / 1_000_000)
    }

    var headMilliseconds: Int? { Self.milliseconds(from: started, to: headReceived) }
    var queueMilliseconds: Int? { queueWait.map { Int(max(0, $0.nanoseconds) / 1_000_000) } }
    var connectMilliseconds: Int? { Self.milliseconds(from: connectStarted, to: connected) }
    var responseMilliseconds: Int? { Self.milliseconds(from: connected, to: responseStarted) }
    var totalMilliseconds: Int? { Self.milliseconds(from: started, to: ended) }
}

extension AccessLogRecord.Cause {
    /// A failed connect: the server's timeout when it timed out, else its failure (refused, unreachable).
    init(connectFailure error: any Error) {
        if case ChannelError.connectTimeout = error { self = .serverTimeout } else { self = .serverFailed }
    }
}
