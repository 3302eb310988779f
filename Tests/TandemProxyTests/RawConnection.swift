import NIOCore
import NIOPosix

/// A client that speaks HTTP as raw bytes over one TCP connection, so tests can send what a real client
/// library never would (malformed heads, smuggling shapes, one byte at a time) and see exactly what comes
/// back, including whether and when the peer closes.
///
/// Reads are bounded by time (every read takes a timeout) and by memory (the handler stops reading the
/// socket while 1 MiB is queued, so a 64 MiB body streams through).
/// Used by one task at a time.
final class RawConnection {
    enum Failure: Error, CustomStringConvertible {
        case timedOut(after: [UInt8])
        case closedBeforeResponse(after: [UInt8])
        case unparsableHead(String)

        var description: String {
            switch self {
            case .timedOut(let bytes):
                "timed out after \(bytes.count) bytes: \(String(decoding: bytes.prefix(300), as: UTF8.self))"
            case .closedBeforeResponse(let bytes):
                "closed after \(bytes.count) bytes: \(String(decoding: bytes.prefix(300), as: UTF8.self))"
            case .unparsableHead(let text): "unparsable response head: \(text)"
            }
        }
    }

    let channel: any Channel
    private let handler: NIOLoopBound<RawClientHandler>
    /// Bytes received but not yet consumed by a parsed response.
    private var leftover: [UInt8] = []
    private(set) var sawClose = false

    private init(channel: any Channel, handler: NIOLoopBound<RawClientHandler>) {
        self.channel = channel
        self.handler = handler
    }

    /// Connects to `address`, from `source` (another 127.x address, to look like another client) if given.
    static func connect(to address: SocketAddress, from source: SocketAddress? = nil) async throws -> RawConnection {
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        if let source { bootstrap = bootstrap.bind(to: source) }
        let channel = try await bootstrap
            .connectTimeout(.seconds(2))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RawClientHandler())
                }
            }
            .connect(to: address)
            .get()
        let handler = try await channel.eventLoop.submit {
            NIOLoopBound(
                try channel.pipeline.syncOperations.handler(type: RawClientHandler.self), eventLoop: channel.eventLoop)
        }.get()
        return RawConnection(channel: channel, handler: handler)
    }

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(channel.allocator.buffer(string: text)).get()
    }

    func send(_ buffer: ByteBuffer) async throws {
        try await channel.writeAndFlush(buffer).get()
    }

    /// The next chunk of bytes, the close, or `.timedOut`.
    func next(timeout: Duration) async -> RawClientEvent {
        if !leftover.isEmpty {
            defer { leftover = [] }
            return .bytes(channel.allocator.buffer(bytes: leftover))
        }
        if sawClose { return .closed }
        let handler = self.handler
        let event = await withCheckedContinuation { continuation in
            handler.eventLoop.execute {
                handler.value.next(timeout: .milliseconds(timeout.wholeMilliseconds), continuation: continuation)
            }
        }
        if case .closed = event { sawClose = true }
        return event
    }

    /// Everything until the peer closes; `closed` is false when `timeout` passed first.
    func readUntilClose(timeout: Duration) async -> (bytes: [UInt8], closed: Bool) {
        let deadline = ContinuousClock.now + timeout
        var bytes: [UInt8] = []
        while true {
            switch await next(timeout: deadline - .now) {
            case .bytes(let buffer): bytes += buffer.readableBytesView
            case .closed: return (bytes, true)
            case .timedOut: return (bytes, false)
            }
        }
    }

    /// Waits for the peer to close, discarding anything it sends; false when `timeout` passed first.
    func waitForClose(timeout: Duration) async -> Bool {
        await readUntilClose(timeout: timeout).closed
    }

    /// Reads one response: head, then a `Content-Length` body or (without one) a body up to the close.
    /// With `keepBody` false the body is only counted, so a huge body never sits in memory.
    /// A response to HEAD (`toHead`) has no body whatever its `Content-Length` says.
    func readResponse(
        timeout: Duration = .seconds(5),
        keepBody: Bool = true,
        toHead: Bool = false
    ) async throws -> RawResponse {
        let deadline = ContinuousClock.now + timeout
        var received: [UInt8] = []
        var headEnd: Int?
        while headEnd == nil {
            switch await next(timeout: deadline - .now) {
            case .bytes(let buffer):
                let searchFrom = max(0, received.count - 3)
                received += buffer.readableBytesView
                headEnd = Self.endOfHead(in: received, from: searchFrom)
            case .closed: throw Failure.closedBeforeResponse(after: received)
            case .timedOut: throw Failure.timedOut(after: received)
            }
        }
        let bodyStart = headEnd! + 4
        guard var response = RawResponse.parseHead(received[..<headEnd!]) else {
            throw Failure.unparsableHead(String(decoding: received[..<headEnd!], as: UTF8.self))
        }
        let declared = response.header("content-length").flatMap { Int($0) }
        let bodyless = (100..<200).contains(response.status) || response.status == 204 || response.status == 304
        let wanted = bodyless || toHead ? 0 : declared
        var pending = Array(received[bodyStart...])
        while true {
            let take = wanted.map { min($0 - response.bodyCount, pending.count) } ?? pending.count
            response.bodyCount += take
            if keepBody { response.body += pending[..<take] }
            if take < pending.count { leftover = Array(pending[take...]) }
            pending = []
            if let wanted, response.bodyCount == wanted { return response }
            switch await next(timeout: deadline - .now) {
            case .bytes(let buffer): pending = Array(buffer.readableBytesView)
            case .closed:
                response.truncated = wanted != nil
                return response
            case .timedOut: throw Failure.timedOut(after: received + response.body)
            }
        }
    }

    func close() async {
        try? await channel.close()
    }

    private static func endOfHead(in bytes: [UInt8], from start: Int) -> Int? {
        guard bytes.count >= 4 else { return nil }
        var index = start
        while index + 3 < bytes.count {
            if bytes[index] == 13, bytes[index + 1] == 10, bytes[index + 2] == 13, bytes[index + 3] == 10 {
                return index
            }
            index += 1
        }
        return nil
    }
}
