import NIOCore
import Testing

@testable import TandemProxy

/// The heads that leave the proxy, byte for byte: what passes is copied as it came, hop-by-hop lines are dropped,
/// and the proxy's own lines (framing, forwarding fields, cookies, Connection) are added.
@Suite("Head writer")
struct HeadWriterTests {
    static let limits = RequestHeadParser.Limits(
        maxHeaderBytes: 65536,
        maxURIBytes: 8192,
        maxHeaderFields: 100,
        maxHeaderNameBytes: 256,
        maxConnectionTokens: 32
    )

    struct NotAHead: Error {}

    static func parse(_ raw: String) throws -> RequestHead {
        let buffer = ByteBuffer(string: raw)
        guard case .complete(let length) = RequestHeadParser.scan(buffer, from: 0, limits: limits) else {
            throw NotAHead()
        }
        return try RequestHeadParser.parse(buffer, length: length, limits: limits).get()
    }

    static func upstream(
        _ raw: String,
        clientIP: String? = "127.0.0.1",
        cookies: HeadWriter.CookieRewrite? = nil
    ) throws -> String {
        var out = ByteBuffer()
        HeadWriter.writeUpstreamRequest(
            try parse(raw),
            cookies: cookies,
            forwarding: .init(clientIP: clientIP, scheme: "http"),
            into: &out
        )
        return String(buffer: out)
    }

    static let forwarded =
        "X-Forwarded-For: 127.0.0.1\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: example.com\r\n\r\n"

    @Test func dropsEveryHopByHopField() throws {
        let written = try Self.upstream(
            "GET / HTTP/1.1\r\nHost: example.com\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
                + "Proxy-Connection: keep-alive\r\nTE: trailers\r\nTrailer: Expires\r\nUpgrade: websocket\r\n"
                + "Proxy-Authenticate: Basic\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\nAccept: */*\r\n\r\n"
        )
        #expect(written == "GET / HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n" + Self.forwarded)
    }

    @Test func dropsTheFieldsThatConnectionNames() throws {
        let written = try Self.upstream(
            "GET /a?b HTTP/1.1\r\nHost: example.com\r\nConnection: keep-alive, X-Hop-One\r\n"
                + "connection: x-hop-two ,\tClose\r\nX-Hop-One: 1\r\nX-HOP-TWO: 2\r\nX-End-To-End:  3 \r\n\r\n"
        )
        #expect(written == "GET /a?b HTTP/1.1\r\nHost: example.com\r\nX-End-To-End:  3\r\n" + Self.forwarded)
    }

    /// The framing is rebuilt from the decision: one field, after the passed lines.
    @Test func rebuildsTheFraming() throws {
        let chunked = try Self.upstream(
            "PUT /x HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: CHUNKED\r\nAccept: */*\r\n\r\n"
        )
        #expect(
            chunked
                == "PUT /x HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\nTransfer-Encoding: chunked\r\n"
                + Self.forwarded
        )
        let length = try Self.upstream("DELETE /x HTTP/1.1\r\ncontent-length:5\r\nHost: example.com\r\n\r\n")
        #expect(length == "DELETE /x HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\n" + Self.forwarded)
        let emptyPost = try Self.upstream("POST /x HTTP/1.1\r\nHost: example.com\r\n\r\n")
        #expect(emptyPost == "POST /x HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n" + Self.forwarded)
        let emptyGet = try Self.upstream("GET /x HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n\r\n")
        #expect(emptyGet == "GET /x HTTP/1.1\r\nHost: example.com\r\n" + Self.forwarded)
    }

    @Test func absoluteFormBecomesOriginFormWithItsHost() throws {
        let written = try Self.upstream("GET http://example.com/p?q HTTP/1.1\r\nHost: EXAMPLE.com\r\n\r\n")
        #expect(written == "GET /p?q HTTP/1.1\r\nHost: example.com\r\n" + Self.forwarded)
        let withoutHost = try Self.upstream("GET http://example.com HTTP/1.0\r\n\r\n")
        #expect(withoutHost == "GET / HTTP/1.1\r\nHost: example.com\r\n" + Self.forwarded)
    }

    @Test func appendsToEveryForwardedForLineAndReplacesProtoAndHost() throws {
        let written = try Self.upstream(
            "GET / HTTP/1.1\r\nHost: example.com\r\nX-Forwarded-For: 198.18.0.7\r\nX-Forwarded-Proto: https\r\n"
                + "X-Forwarded-For: 198.18.0.8, 198.18.0.9\r\nX-Forwarded-Host: spoofed.example\r\n\r\n"
        )
        #expect(
            written
                == "GET / HTTP/1.1\r\nHost: example.com\r\n"
                + "X-Forwarded-For: 198.18.0.7, 198.18.0.8, 198.18.0.9, 127.0.0.1\r\n"
                + "X-Forwarded-Proto: http\r\nX-Forwarded-Host: example.com\r\n\r\n"
        )
    }

    @Test func rewritesOnlyTheCookieLines() throws {
        let written = try Self.upstream(
            "GET / HTTP/1.1\r\nCookie: TANDEM_SRV=abc; a=1\r\nHost: example.com\r\nCookie: TANDEM_SRV=abc\r\n\r\n",
            cookies: HeadWriter.CookieRewrite(remaining: ["a=1", nil])
        )
        #expect(written == "GET / HTTP/1.1\r\nCookie: a=1\r\nHost: example.com\r\n" + Self.forwarded)
    }

    /// A WebSocket handshake crosses with its Upgrade line and `Connection: upgrade`; an h2c upgrade does not.
    @Test func upgradesCrossExceptH2C() throws {
        let raw =
            "GET /chat HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        let head = try Self.parse(raw)
        #expect(head.upgradeRequested)
        var out = ByteBuffer()
        HeadWriter.writeUpstreamRequest(
            head,
            cookies: nil,
            forwarding: .init(clientIP: "127.0.0.1", scheme: "http"),
            upgrade: true,
            into: &out
        )
        #expect(
            String(buffer: out)
                == "GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nConnection: upgrade\r\n" + Self.forwarded
        )
        let h2c = try Self.parse("GET / HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n")
        #expect(!h2c.upgradeRequested)
        #expect(
            try Self.upstream("GET / HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n")
                == "GET / HTTP/1.1\r\nHost: example.com\r\n" + Self.forwarded
        )
    }

    static func response(_ raw: String, requestWasHEAD: Bool = false) throws -> ResponseHead {
        let buffer = ByteBuffer(string: raw)
        guard case .complete(let length) = ResponseHeadParser.scan(buffer, from: 0, maxBytes: 65536) else {
            throw NotAHead()
        }
        return try ResponseHeadParser.parse(buffer, length: length, requestWasHEAD: requestWasHEAD).get()
    }

    @Test func theClientResponseHead() throws {
        let head = try Self.response(
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive, X-Internal\r\nX-Internal: 1\r\n"
                + "Keep-Alive: timeout=5\r\nServer: be1\r\n\r\n"
        )
        var out = ByteBuffer()
        HeadWriter.writeClientResponse(
            head,
            clientMinorVersion: 1,
            setCookie: "S=1; Path=/",
            connection: .close,
            dropTransferEncoding: false,
            into: &out
        )
        #expect(
            String(buffer: out)
                == "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nServer: be1\r\nSet-Cookie: S=1; Path=/\r\n"
                + "Connection: close\r\n\r\n"
        )
        var old = ByteBuffer()
        let chunked = try Self.response("HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n")
        HeadWriter.writeClientResponse(
            chunked,
            clientMinorVersion: 0,
            setCookie: nil,
            connection: .close,
            dropTransferEncoding: true,
            into: &old
        )
        #expect(String(buffer: old) == "HTTP/1.0 404 Not Found\r\nConnection: close\r\n\r\n")
    }
}
