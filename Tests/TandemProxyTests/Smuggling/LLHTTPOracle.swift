import NIOCore
import NIOEmbedded
import NIOHTTP1

/// NIO's request decoder (llhttp with NIO's default settings), run in an `EmbeddedChannel` so a test can ask
/// what the reference parser makes of some bytes without any network.
enum LLHTTPOracle {
    enum Verdict: CustomStringConvertible {
        /// Exactly one complete request and nothing after it.
        case accepted(HTTPRequestHead, bodyBytes: Int)
        /// The decoder raised an error before the first request ended.
        case rejected(any Error)
        /// The decoder waits for more bytes.
        case incomplete
        /// One request ended and more bytes followed (pipelined, or an error after the first request).
        case split

        var isAccepted: Bool {
            if case .accepted = self { true } else { false }
        }

        var description: String {
            switch self {
            case .accepted(let head, let bodyBytes): "accepted \(head.method) \(head.uri) body=\(bodyBytes)"
            case .rejected(let error): "rejected (\(error))"
            case .incomplete: "incomplete"
            case .split: "split"
            }
        }
    }

    static func decode(_ bytes: [UInt8]) -> Verdict {
        let channel = EmbeddedChannel(
            handler: ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes))
        )
        defer { _ = try? channel.finish(acceptAlreadyClosed: true) }
        var caught: (any Error)?
        do {
            try channel.writeInbound(channel.allocator.buffer(bytes: bytes))
        } catch {
            caught = error
        }
        var head: HTTPRequestHead?
        var bodyBytes = 0
        var ended = false
        var partsAfterEnd = false
        while let part = try? channel.readInbound(as: HTTPServerRequestPart.self) {
            if ended {
                partsAfterEnd = true
                continue
            }
            switch part {
            case .head(let parsed): head = parsed
            case .body(let buffer): bodyBytes += buffer.readableBytes
            case .end: ended = true
            }
        }
        switch (head, ended) {
        case (let head?, true):
            return caught == nil && !partsAfterEnd ? .accepted(head, bodyBytes: bodyBytes) : .split
        case _ where caught != nil:
            return .rejected(caught!)
        default:
            return .incomplete
        }
    }
}
