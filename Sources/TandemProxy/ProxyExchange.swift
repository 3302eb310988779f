import NIOCore
import NIOHTTP1

/// One request's journey through the proxy, in Pingora's phases: the head is read and routed, a
/// server is chosen, a connection is obtained, the request and the response are forwarded.
///
/// It lives on the client connection's event loop and is owned by its `HTTPProxyHandler`.
final class ProxyExchange {
    /// Where the exchange is.
    enum Phase {
        /// Choosing a server and obtaining a connection to it; client body parts are buffered.
        case connecting
        /// Waiting in the backend's queue for a server slot; client body parts are buffered.
        case queued(QueuedRequest)
        /// Attached to an upstream connection; parts flow both ways.
        case forwarding(UpstreamHandler)
        /// The proxy answered by itself; the rest of the request body is discarded.
        case answeredLocally
        /// The response is complete or the exchange was abandoned.
        case finished
    }

    let backend: BackendRuntime
    let upstreamHead: HTTPRequestHead
    let clientVersion: HTTPVersion
    let isIdempotent: Bool
    let isHeadRequest: Bool
    var clientKeepAlive: Bool
    var phase: Phase = .connecting
    /// The server serving (or being connected for) this exchange; it holds one in-flight slot.
    var server: Int?
    var attempts = 0
    var avoiding: Set<Int> = []
    /// Parts received from the client but not yet written upstream.
    var pendingParts: CircularBuffer<HTTPClientRequestPart> = []
    /// Body bytes in `pendingParts`.
    var pendingBodyBytes = 0
    var requestEnded = false
    var requestBodyForwarded = false
    var responseStarted = false
    /// Whether the server's response allows reusing its connection.
    var upstreamKeepAlive = true
    /// `Set-Cookie` value to add to the response when the client is not (or no longer) pinned.
    var setCookie: String?
    var pinnedServer: Int?
    var responseTimer: Scheduled<Void>?
    /// Answers 503 when the request waited `queue_timeout` in the queue.
    var queueTimer: Scheduled<Void>?
    /// Why the server's answer counts as a failure for outlier detection (a 5xx status), if it does.
    var serverFailure: String?
    var lastUpstreamActivity = NIODeadline.now()

    init(
        backend: BackendRuntime,
        upstreamHead: HTTPRequestHead,
        clientVersion: HTTPVersion,
        clientKeepAlive: Bool
    ) {
        self.backend = backend
        self.upstreamHead = upstreamHead
        self.clientVersion = clientVersion
        self.clientKeepAlive = clientKeepAlive
        self.isIdempotent = upstreamHead.method.isIdempotent
        self.isHeadRequest = upstreamHead.method == .HEAD
    }

    var upstream: UpstreamHandler? {
        if case .forwarding(let upstream) = phase { return upstream }
        return nil
    }

    /// Whether a failure before any response byte may be retried on another server: nothing of the
    /// body has gone out (so it can be replayed from `pendingParts`), and either the method is
    /// idempotent or nothing reached the server at all.
    func mayRetry(nothingSent: Bool) -> Bool {
        guard !responseStarted, !requestBodyForwarded else { return false }
        guard attempts <= backend.retries else { return false }
        return nothingSent || isIdempotent
    }
}

extension HTTPMethod {
    /// Methods whose repetition has the same effect as one request (RFC 9110 §9.2.2).
    var isIdempotent: Bool {
        switch self {
        case .GET, .HEAD, .PUT, .DELETE, .OPTIONS, .TRACE: true
        default: false
        }
    }
}
