import NIOCore
import Testing

@testable import TandemProxy

/// The response head parser: status-line grammar and the framing table of RFC 9112 §6.3.
@Suite("HTTP1 response head parser")
struct HTTP1ResponseHeadParserTests {
    static func parse(_ text: String, head: Bool = false) -> Result<ResponseHead, ResponseHeadParser.ParseError> {
        let buffer = ByteBuffer(string: text)
        switch ResponseHeadParser.scan(buffer, from: 0, maxBytes: 65536) {
        case .complete(let length): return ResponseHeadParser.parse(buffer, length: length, requestWasHEAD: head)
        case .invalid(let error): return .failure(error)
        case .incomplete: return .failure(.init(reason: "incomplete (test)"))
        }
    }

    @Test(
        arguments: [
            ("HTTP/1.1 200 OK", 200), ("HTTP/1.1 204 ", 204), ("HTTP/1.1 204", 204), ("HTTP/1.0 404 Not Found", 404),
            ("HTTP/1.1 200 caf\u{E9}", 200), ("HTTP/1.1 99 OK", nil), ("HTTP/1.1 2000 OK", nil),
            ("HTTP/1.1 600 X", nil),
            ("HTTP/1.1 20a OK", nil), ("HTTP/1.2 200 OK", nil), ("HTTP/2 200 OK", nil), ("HTTP/1.1  200 OK", nil),
            ("http/1.1 200 OK", nil), ("HTTP/1.1 200 O\u{0}K", nil), ("HTTP/1.1 200OK", nil),
        ] as [(String, Int?)]
    )
    func statusLine(line: String, status: Int?) {
        let result = Self.parse(line + "\r\nContent-Length: 0\r\n\r\n")
        #expect((try? result.get().status) == status, "\(line.debugDescription): \(result)")
    }

    @Test(arguments: [
        (200, [String](), false, BodyFraming.untilClose), (200, ["Content-Length: 7"], false, .contentLength(7)),
        (200, ["Content-Length: 7"], true, .none), (200, ["Transfer-Encoding: chunked"], true, .none),
        (100, [], false, .none), (101, [], false, .none), (204, ["Content-Length: 3"], false, .none),
        (304, ["Content-Length: 3"], false, .none), (200, ["Transfer-Encoding: gzip, chunked"], false, .chunked),
        (200, ["Transfer-Encoding: gzip"], false, .untilClose), (200, ["Transfer-Encoding: CHUNKED"], false, .chunked),
        (200, ["Content-Length: 5", "Content-Length: 5"], false, .contentLength(5)),
        (200, ["Content-Length: 5, 5"], false, .contentLength(5)),
    ])
    func framing(status: Int, fields: [String], head: Bool, expected: BodyFraming) throws {
        let text = "HTTP/1.1 \(status) X\r\n" + fields.map { $0 + "\r\n" }.joined() + "\r\n"
        let parsed = try Self.parse(text, head: head).get()
        #expect(parsed.framing == expected)
        #expect(parsed.keepAlive == (expected != .untilClose))
        #expect(parsed.isInformational == (100..<200).contains(status))
    }

    @Test(arguments: [
        ["Content-Length: 5", "Transfer-Encoding: chunked"], ["Content-Length: 5", "Content-Length: 6"],
        ["Content-Length: +5"], ["Content-Length: 5 5"], ["Content-Length:"], ["Transfer-Encoding: chunked, chunked"],
        ["Transfer-Encoding: chunked, gzip"], ["X-A : v"], [" folded"], ["X-A: a\u{0}b"],
        ["Connection: content-length"],
    ])
    func invalid(fields: [String]) {
        let text = "HTTP/1.1 200 OK\r\n" + fields.map { $0 + "\r\n" }.joined() + "\r\n"
        #expect(throws: ResponseHeadParser.ParseError.self) { try Self.parse(text).get() }
    }

    @Test func persistenceAndOptions() throws {
        #expect(try !Self.parse("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").get().keepAlive)
        #expect(try !Self.parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").get().keepAlive)
        // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 is faulty framing; refused rather than guessed at.
        #expect(throws: ResponseHeadParser.ParseError.self) {
            try Self.parse("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").get()
        }
        let head = try Self.parse(
            "HTTP/1.0 200 OK\r\nConnection: keep-alive, X-A\r\nX-A: 1\r\nContent-Length: 0\r\n\r\n"
        ).get()
        #expect(head.keepAlive)
        #expect(head.connectionOptions.map(head.string) == ["keep-alive", "X-A"])
        #expect(head.fields.map(head.isConnectionSpecific) == [true, true, false])
    }

    @Test func scanRefusals() {
        for text in ["\r\nHTTP/1.1 200 OK\r\n\r\n", "HTTP/1.1 200 OK\n\n", "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n"] {
            guard case .invalid = ResponseHeadParser.scan(ByteBuffer(string: text), from: 0, maxBytes: 1000) else {
                Issue.record("not refused: \(text.debugDescription)")
                continue
            }
        }
        let long = ByteBuffer(string: "HTTP/1.1 200 OK\r\nX: " + String(repeating: "v", count: 100))
        guard case .invalid = ResponseHeadParser.scan(long, from: 0, maxBytes: 64) else {
            Issue.record("a head over the limit was not refused")
            return
        }
    }
}
