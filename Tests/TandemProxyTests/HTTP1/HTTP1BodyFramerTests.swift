import NIOCore
import Testing

@testable import TandemProxy

/// The body framer: Content-Length countdown, chunked bodies split at every byte, invalid chunked framing, and
/// the decoding variant.
@Suite("HTTP1 body framer")
struct HTTP1BodyFramerTests {
    /// What feeding a framer some pieces produced.
    struct Outcome: Equatable {
        var output: [UInt8] = []
        var ended = false
        var invalid: String?
        /// The bytes left in the buffer after the end (the next message).
        var left: [UInt8] = []
    }

    /// Feeds `pieces` one after another, calling `next` until it has nothing more to give each time.
    static func feed(_ framing: BodyFraming, decode: Bool = false, _ pieces: [[UInt8]]) -> Outcome {
        var framer = BodyFramer(framing, decodeChunked: decode)
        var buffer = ByteBuffer()
        var outcome = Outcome()
        var fed = 0
        pieces: for piece in pieces {
            buffer.writeBytes(piece)
            fed += 1
            while true {
                switch framer.next(&buffer) {
                case .forward(let slice, let ended):
                    outcome.output += slice.readableBytesView
                    if ended {
                        outcome.ended = true
                        break pieces
                    }
                    if slice.readableBytes == 0 { Issue.record("an empty slice that does not end the body") }
                case .needMore:
                    continue pieces
                case .invalid(let reason):
                    outcome.invalid = reason
                    break pieces
                }
            }
        }
        #expect(framer.isComplete == outcome.ended)
        for piece in pieces.dropFirst(fed) { buffer.writeBytes(piece) }
        outcome.left = Array(buffer.readableBytesView)
        return outcome
    }

    static let pipelined = Array("GET /next HTTP/1.1\r\nHost: a\r\n\r\n".utf8)

    @Test func noneEndsAtOnce() {
        let outcome = Self.feed(.none, [Self.pipelined])
        #expect(outcome == Outcome(output: [], ended: true, left: Self.pipelined))
    }

    /// The count runs down across pieces and the bytes after the body stay in the buffer.
    @Test func contentLengthCountdown() {
        let body = Array("hello world".utf8)
        for split in 0...body.count {
            let pieces = [Array(body[..<split]), Array(body[split...]) + Self.pipelined]
            #expect(
                Self.feed(.contentLength(body.count), pieces)
                    == Outcome(output: body, ended: true, left: Self.pipelined)
            )
        }
        #expect(
            Self.feed(.contentLength(0), [Self.pipelined]) == Outcome(output: [], ended: true, left: Self.pipelined)
        )
        #expect(Self.feed(.contentLength(5), [Array("abc".utf8)]) == Outcome(output: Array("abc".utf8)))
    }

    @Test func untilCloseNeverEnds() {
        #expect(
            Self.feed(.untilClose, [Array("abc".utf8), Array("def".utf8)]) == Outcome(output: Array("abcdef".utf8))
        )
    }

    static let validChunked: [String] = [
        "0\r\n\r\n",
        "5\r\nhello\r\n0\r\n\r\n",
        "5;ext\r\nhello\r\n6;a=b;c=\"d \\\" e\"\r\n world\r\n0\r\n\r\n",
        "A\r\n0123456789\r\n0000000000000001\r\nx\r\n0\r\nChecksum: abc\r\nX-B:\r\n\r\n",
        "3\r\nabc\r\n3\r\ndef\r\n0;last\r\nT: v w\r\n\r\n",
    ]

    /// Split in two at every position (and byte by byte), a valid body gives the same bytes and ends exactly at
    /// its last byte.
    @Test(arguments: validChunked)
    func chunkedSplitAnywhere(body: String) {
        let bytes = Array(body.utf8)
        let whole = Self.feed(.chunked, [bytes + Self.pipelined])
        #expect(whole == Outcome(output: bytes, ended: true, left: Self.pipelined))
        for split in 0...bytes.count {
            let pieces = [Array(bytes[..<split]), Array(bytes[split...]) + Self.pipelined]
            #expect(Self.feed(.chunked, pieces) == whole, "split at \(split)")
        }
        let trickled = Self.feed(.chunked, (bytes + Self.pipelined).map { [$0] })
        #expect(trickled == whole)
    }

    /// The decoding variant yields only chunk data, whatever the split.
    @Test(arguments: validChunked)
    func decodedYieldsOnlyData(body: String) {
        let bytes = Array(body.utf8)
        let data = Self.chunkData(bytes)
        let whole = Self.feed(.chunked, decode: true, [bytes + Self.pipelined])
        #expect(whole == Outcome(output: data, ended: true, left: Self.pipelined))
        for split in 0...bytes.count {
            let pieces = [Array(bytes[..<split]), Array(bytes[split...]) + Self.pipelined]
            #expect(Self.feed(.chunked, decode: true, pieces) == whole, "split at \(split)")
        }
    }

    /// The data of a valid chunked body, decoded naively.
    static func chunkData(_ bytes: [UInt8]) -> [UInt8] {
        var data: [UInt8] = []
        var index = 0
        while true {
            let lineEnd = bytes[index...].firstIndex(of: 13)!
            let sizeEnd = bytes[index..<lineEnd].firstIndex(of: UInt8(ascii: ";")) ?? lineEnd
            let size = Int(String(decoding: bytes[index..<sizeEnd], as: UTF8.self), radix: 16)!
            if size == 0 { return data }
            data += bytes[(lineEnd + 2)..<(lineEnd + 2 + size)]
            index = lineEnd + 2 + size + 2
        }
    }

    @Test(arguments: [
        "fffffffffffffffff\r\n", "10000000000000000\r\n", "8000000000000000\r\n", "5\nhello\r\n0\r\n\r\n",
        "5;ext\nhello\r\n0\r\n\r\n", "5\r\nhelloX0\r\n\r\n", "5\r\nhello world\r\n0\r\n\r\n", "5;a\u{0}\r\nhello\r\n",
        "5;a=\"\u{0}\"\r\nhello\r\n", "5 \r\nhello\r\n", "5; a\r\nhello\r\n", "\r\n", "x\r\n", "-5\r\n", ";a\r\n",
        "5;=b\r\nhello\r\n", "5;a=\r\nhello\r\n", "5\r\nhello\r\n0\r\nBad Name: v\r\n\r\n", "0\r\n folded\r\n\r\n",
        "0\r\nX: a\u{0}b\r\n\r\n", "0\r\nX: a\rb\r\n\r\n", "0\r\n\r\r", "5\r\nhello\n0\r\n\r\n", "5\rhello",
        "0\r\nX-A v\r\n\r\n",
    ])
    func invalidChunked(body: String) {
        let bytes = Array(body.utf8)
        #expect(Self.feed(.chunked, [bytes]).invalid != nil, "\(body.debugDescription)")
        #expect(Self.feed(.chunked, bytes.map { [$0] }).invalid != nil, "trickled \(body.debugDescription)")
        #expect(Self.feed(.chunked, decode: true, [bytes]).invalid != nil, "decoded \(body.debugDescription)")
    }

    /// Nothing is forwarded past the byte that broke the framing, and an incomplete size line is kept.
    @Test func forwardsOnlyWhatIsValidated() {
        var framer = BodyFramer(.chunked)
        var buffer = ByteBuffer(string: "5\r\nhel")
        #expect(framer.next(&buffer) == .forward(ByteBuffer(string: "5\r\nhel"), ended: false))
        buffer.writeString("lo\r\n1")
        #expect(framer.next(&buffer) == .forward(ByteBuffer(string: "lo\r\n"), ended: false))
        #expect(buffer.readableBytes == 1)
        #expect(framer.next(&buffer) == .needMore)
        buffer.writeString("0;x\r\n")
        #expect(framer.next(&buffer) == .forward(ByteBuffer(string: "10;x\r\n"), ended: false))
        buffer.writeString(String(repeating: "d", count: 16) + "X")
        // The refusal wins over the valid bytes before it in the same call: nothing of a broken run is handed on.
        #expect(framer.next(&buffer) == .invalid("chunk data not followed by CRLF"))
        #expect(framer.next(&buffer) == .invalid("chunk data not followed by CRLF"))
        #expect(!framer.isComplete)
    }

    /// Size lines and trailers are bounded, so trickling them cannot grow memory or work without end.
    @Test func linesAreBounded() {
        let longExtension = Array(("1;" + String(repeating: "a", count: 5000)).utf8)
        #expect(Self.feed(.chunked, longExtension.map { [$0] }).invalid == "chunk size line too long")
        let longTrailer = Array(("0\r\nX: " + String(repeating: "v", count: 70000)).utf8)
        #expect(Self.feed(.chunked, [longTrailer]).invalid == "trailer section too long")
    }
}
