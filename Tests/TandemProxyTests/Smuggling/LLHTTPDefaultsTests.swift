import NIOHTTP1
import Testing

/// Pins what NIO's llhttp-based request decoder accepts with NIO's default settings, measured in an
/// `EmbeddedChannel`. The proxy's own strictness is layered on these defaults, so a NIO update that relaxes
/// one of them must be noticed here first.
@Suite("llhttp defaults", .timeLimit(.minutes(1)))
struct LLHTTPDefaultsTests {
    struct Probe: CustomTestStringConvertible, Sendable {
        var label: String
        var bytes: [UInt8]
        var accepted: Bool
        var testDescription: String { label }

        init(_ label: String, _ request: String, accepted: Bool) {
            self.init(label, Array(request.utf8), accepted: accepted)
        }

        init(_ label: String, _ bytes: [UInt8], accepted: Bool) {
            self.label = label
            self.bytes = bytes
            self.accepted = accepted
        }
    }

    static func get(_ fields: String) -> String { "GET / HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n" }
    static func post(_ fields: String, _ body: String) -> String {
        "POST / HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n" + body
    }
    static func chunked(_ body: String) -> String { post("Transfer-Encoding: chunked\r\n", body) }

    static let probes: [Probe] = [
        Probe("bare LF everywhere", "GET / HTTP/1.1\nHost: a\n\n", accepted: false),
        Probe("bare LF after request line", "GET / HTTP/1.1\nHost: a\r\n\r\n", accepted: false),
        Probe("bare LF after a field", "GET / HTTP/1.1\r\nHost: a\n\r\n", accepted: false),
        Probe("bare CR after a field", "GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", accepted: false),
        Probe("obs-fold with SP", get("X-A: a\r\n b\r\n"), accepted: false),
        Probe("obs-fold with HTAB", get("X-A: a\r\n\tb\r\n"), accepted: false),
        Probe("NUL in value", get("X-A: a\u{0}b\r\n"), accepted: false),
        Probe("NUL in name", get("X-\u{0}A: a\r\n"), accepted: false),
        Probe("NUL in target", "GET /a\u{0}b HTTP/1.1\r\nHost: a\r\n\r\n", accepted: false),
        Probe("DEL in value", get("X-A: a\u{7F}b\r\n"), accepted: false),
        Probe("0x80 in value", Array(get("X-A: a").utf8) + [0x80] + Array("\r\n\r\n".utf8), accepted: false),
        Probe(
            "0xFF in target",
            Array("GET /a".utf8) + [0xFF] + Array(" HTTP/1.1\r\nHost: a\r\n\r\n".utf8),
            accepted: false
        ),
        Probe("HTAB in value", get("X-A: a\tb\r\n"), accepted: true),
        Probe("space before colon", get("X-A : a\r\n"), accepted: false),
        Probe("empty field name", get(": a\r\n"), accepted: false),
        Probe("fragment in target", "GET /a#frag HTTP/1.1\r\nHost: a\r\n\r\n", accepted: true),
        Probe("origin-form without slash", "GET foo HTTP/1.1\r\nHost: a\r\n\r\n", accepted: false),
        Probe("asterisk-form on GET", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", accepted: true),
        Probe("two Host fields", get("Host: b\r\n"), accepted: true),
        Probe("empty Host", "GET / HTTP/1.1\r\nHost:\r\n\r\n", accepted: true),
        Probe("HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n", accepted: true),
        Probe("HTTP/1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", accepted: false),
        Probe("HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", accepted: false),
        Probe("HTTP/1.10", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", accepted: false),
        Probe("lower-case method", "get / HTTP/1.1\r\nHost: a\r\n\r\n", accepted: false),
        Probe("unknown method PURGE", "PURGE / HTTP/1.1\r\nHost: a\r\n\r\n", accepted: true),
        Probe(
            "identical duplicate Content-Length",
            post("Content-Length: 5\r\nContent-Length: 5\r\n", "hello"),
            accepted: false
        ),
        Probe("Content-Length: +5", post("Content-Length: +5\r\n", "hello"), accepted: false),
        Probe("Content-Length: 5, 5", post("Content-Length: 5, 5\r\n", "hello"), accepted: false),
        Probe(
            "Content-Length then Transfer-Encoding",
            post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"),
            accepted: false
        ),
        Probe(
            "Transfer-Encoding: chunked, chunked",
            post("Transfer-Encoding: chunked, chunked\r\n", "0\r\n\r\n"),
            accepted: false
        ),
        Probe("Transfer-Encoding: xchunked", post("Transfer-Encoding: xchunked\r\n", "0\r\n\r\n"), accepted: false),
        Probe(
            "Transfer-Encoding: chunked then identity",
            post("Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", "0\r\n\r\n"),
            accepted: false
        ),
        Probe("Transfer-Encoding: CHUNKED", post("Transfer-Encoding: CHUNKED\r\n", "0\r\n\r\n"), accepted: true),
        Probe("Transfer-Encoding with HTAB", post("Transfer-Encoding:\tchunked\r\n", "0\r\n\r\n"), accepted: true),
        Probe("chunk extension with bare LF", chunked("5;ext\nhello\r\n0\r\n\r\n"), accepted: false),
        Probe("chunk size with bare LF", chunked("5\nhello\r\n0\r\n\r\n"), accepted: false),
        Probe("chunk data without CRLF", chunked("5\r\nhelloX0\r\n\r\n"), accepted: false),
        Probe("chunk-size overflow", chunked("fffffffffffffffffff1\r\n"), accepted: false),
        Probe("quoted chunk extension", chunked("5;a=\"b c\"\r\nhello\r\n0\r\n\r\n"), accepted: true),
        Probe(
            "TRACE with Content-Length body",
            "TRACE / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
            accepted: true
        ),
        Probe("2,000 header fields", get((0..<2000).map { "X-\($0): v\r\n" }.joined()), accepted: true),
    ]

    @Test(arguments: probes)
    func decoderDefault(_ probe: Probe) {
        let verdict = LLHTTPOracle.decode(probe.bytes)
        #expect(verdict.isAccepted == probe.accepted, "\(probe.label): \(verdict)")
    }
}
