import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A request head the recording backend's strict NIO decoder parsed, and what became of its body.
struct RecordedRequest: Sendable {
    /// Index of the accepted connection it arrived on.
    var connection: Int
    var method: String
    var uri: String
    /// Header fields in order, names as received.
    var headers: [(name: String, value: String)]
    /// Whether the decoder reached `.end`: only complete requests are answered.
    var completed = false
    var bodyBytes = 0

    /// Every value of a field (case-insensitive name).
    func values(_ name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }
}

/// An HTTP/1.1 server on 127.0.0.1 that records exactly what crossed the proxy: the raw bytes of each
/// connection (before any parsing, so a duplicate or smuggled line cannot hide) and every request its
/// strict decoder parsed. It answers each complete request with `200` and `X-Backend-Seq: N`, so a test can
/// count which client responses really came from here; on a decoder error it closes the connection.
final class RecordingBackend: Sendable {
    private let log: RecordingLog
    private let children = ChannelSet()
    private let serverChannel: any Channel

    var port: Int { serverChannel.localAddress?.port ?? 0 }
    var acceptedConnections: Int { log.withState { $0.rawBytes.count } }
    var requestHeads: [RecordedRequest] { log.withState { $0.requests } }
    var completedRequests: Int { log.withState { $0.requests.filter(\.completed).count } }
    /// The bytes received on each accepted connection, in accept order.
    var rawBytes: [[UInt8]] { log.withState { $0.rawBytes } }
    var receivedAnyBytes: Bool { log.withState { $0.rawBytes.contains { !$0.isEmpty } } }

    init() async throws {
        let log = RecordingLog()
        let children = self.children
        self.log = log
        serverChannel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                children.insert(channel)
                let connection = log.connectionOpened()
                return channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(RawBytesRecorder(log: log, connection: connection))
                    try pipeline.addHandler(ByteToMessageHandler(HTTPRequestDecoder()))
                    try pipeline.addHandler(HTTPResponseEncoder())
                    try pipeline.addHandler(RecordingRequestHandler(log: log, connection: connection))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
    }

    /// Stops listening and closes every accepted connection.
    func shutDown() async {
        try? await serverChannel.close()
        await children.closeAll()
    }
}

/// The state of a `RecordingBackend`, shared with its per-connection handlers on any event loop.
final class RecordingLog: Sendable {
    struct State {
        var rawBytes: [[UInt8]] = []
        var requests: [RecordedRequest] = []
        var answered = 0
    }

    private let state = Mutex(State())

    func withState<Result>(_ body: (inout State) -> Result) -> Result {
        state.withLock { body(&$0) }
    }

    func connectionOpened() -> Int {
        withState { state in
            state.rawBytes.append([])
            return state.rawBytes.count - 1
        }
    }

    func received(_ buffer: ByteBuffer, on connection: Int) {
        withState { $0.rawBytes[connection] += buffer.readableBytesView }
    }

    /// Records a parsed head; returns its index for the body and end that follow.
    func headParsed(_ head: HTTPRequestHead, on connection: Int) -> Int {
        let request = RecordedRequest(
            connection: connection,
            method: head.method.rawValue,
            uri: head.uri,
            headers: head.headers.map { (name: $0.name, value: $0.value) }
        )
        return withState { state in
            state.requests.append(request)
            return state.requests.count - 1
        }
    }

    func bodyReceived(_ count: Int, request: Int) {
        withState { $0.requests[request].bodyBytes += count }
    }

    /// Marks a request complete; returns its sequence number among answered requests (from 1).
    func completed(request: Int) -> Int {
        withState { state in
            state.requests[request].completed = true
            state.answered += 1
            return state.answered
        }
    }
}

/// Appends every byte the connection receives to the log, before the decoder sees it.
private final class RawBytesRecorder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let log: RecordingLog
    private let connection: Int

    init(log: RecordingLog, connection: Int) {
        self.log = log
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        log.received(unwrapInboundIn(data), on: connection)
        context.fireChannelRead(data)
    }
}

/// Records parsed requests and answers each complete one; closes the connection on a decoder error.
private final class RecordingRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let log: RecordingLog
    private let connection: Int
    private var current: Int?
    private var keepAlive = true
    private var isHeadRequest = false

    init(log: RecordingLog, connection: Int) {
        self.log = log
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            current = log.headParsed(head, on: connection)
            keepAlive = head.isKeepAlive
            isHeadRequest = head.method == .HEAD
        case .body(let buffer):
            if let current { log.bodyReceived(buffer.readableBytes, request: current) }
        case .end:
            guard let current else { return }
            self.current = nil
            respond(sequence: log.completed(request: current), context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func respond(sequence: Int, context: ChannelHandlerContext) {
        let body = "backend \(sequence)\n"
        var headers = HTTPHeaders()
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        headers.add(name: "X-Backend-Seq", value: String(sequence))
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))),
            promise: nil
        )
        if !isHeadRequest {
            let buffer = context.channel.allocator.buffer(string: body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}
