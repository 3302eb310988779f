import Testing

/// What the forwarded request must look like, for cases the proxy accepts.
struct UpstreamExpectation: Sendable {
    /// Requests the backend must complete (nil: not checked beyond the general invariants).
    var completed: Int?
    /// The target the backend must see on the first request.
    var target: String?
    /// The single `Host` value the backend must see on the first request.
    var host: String?
    /// Fields (lowercase) that must not reach the backend.
    var absent: [String] = []
    /// The first request must carry exactly one `Content-Length` line with this value.
    var contentLength: String?
    /// The first request must carry exactly one `Transfer-Encoding: chunked` line and no `Content-Length`.
    var chunked = false
    /// The body size of the first request, as the backend's decoder counted it.
    var bodyBytes: Int?
}

/// One hostile (or deliberately valid) request and the behaviour the fixed proxy must show for it.
struct SmugglingCase: Sendable, CustomTestStringConvertible {
    enum Kind: String, CaseIterable, Sendable {
        case hopByHop = "hop-by-hop"
        case methodFraming = "method framing"
        case connect = "CONNECT"
        case requestTarget = "target/Host"
        case limits
        case framingConflict = "CL/TE conflict"
        case transferEncoding = "TE obfuscation"
        case chunkedBody = "chunked body"
        case lineSyntax = "line syntax"
        case contentLength = "Content-Length"
        case pipelining
    }

    var label: String
    var kind: Kind
    /// The exact bytes sent on one connection.
    var bytes: [UInt8]
    /// Every acceptable ordered list of statuses the client receives before the proxy closes (or 3 s pass).
    var allowed: [[Int]]
    /// False where the proxy must refuse at the head: then not one byte may reach the backend.
    var mayReachBackend: Bool
    var upstream = UpstreamExpectation()

    var testDescription: String { "\(kind.rawValue): \(label)" }
    /// Whether the first request is HEAD, whose response has no body whatever its `Content-Length` says.
    var isHeadRequest: Bool { bytes.starts(with: Array("HEAD ".utf8)) }

    /// Refused at the head with `status`; nothing reaches the backend.
    static func refused(_ label: String, _ kind: Kind, _ request: String, _ status: Int) -> SmugglingCase {
        SmugglingCase(label: label, kind: kind, bytes: Array(request.utf8), allowed: [[status]], mayReachBackend: false)
    }

    /// Forwarded and answered by the backend with one `200` per request.
    static func forwarded(
        _ label: String,
        _ kind: Kind,
        _ request: String,
        requests: Int = 1,
        _ upstream: UpstreamExpectation = UpstreamExpectation()
    ) -> SmugglingCase {
        var upstream = upstream
        upstream.completed = upstream.completed ?? requests
        return SmugglingCase(
            label: label,
            kind: kind,
            bytes: Array(request.utf8),
            allowed: [Array(repeating: 200, count: requests)],
            mayReachBackend: true,
            upstream: upstream
        )
    }
}

/// The request-smuggling regression corpus: every case on its own connection to a fresh proxy.
enum SmugglingCorpus {
    /// A complete second request hidden in a body: if any hop frames the body differently, it shows up at
    /// the backend as an extra request for `/smuggled`.
    static let smuggled = "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
    static let smuggledLength = smuggled.utf8.count
    static let chunkedHello = "5\r\nhello\r\n0\r\n\r\n"

    static func post(_ fields: String, body: String) -> String {
        "POST / HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n" + body
    }

    /// A GET with `count` header fields in all, `Host` included.
    static func get(fieldCount count: Int) -> String {
        "GET / HTTP/1.1\r\nHost: a\r\n" + (1..<count).map { "X-Field-\($0): v\r\n" }.joined() + "\r\n"
    }

    static func get(connectionTokens count: Int) -> String {
        "GET / HTTP/1.1\r\nHost: a\r\nConnection: " + (0..<count).map { "t\($0)" }.joined(separator: ", ")
            + "\r\n\r\n"
    }

    static func get(headerNameBytes count: Int) -> String {
        "GET / HTTP/1.1\r\nHost: a\r\n" + String(repeating: "n", count: count) + ": v\r\n\r\n"
    }

    static let cases: [SmugglingCase] =
        hopByHop + methodFraming + connect + requestTarget + limits + framingConflict + transferEncoding
        + chunkedBody + lineSyntax + contentLength + pipelining

    // MARK: Hop-by-hop abuse

    /// `Connection` naming a framing or routing field would make the proxy strip it and reframe the body.
    static let hopByHop: [SmugglingCase] = [
        .refused(
            "Connection: content-length",
            .hopByHop,
            post("Connection: content-length\r\nContent-Length: \(smuggledLength)\r\n", body: smuggled),
            400
        ),
        .refused(
            "Connection: transfer-encoding",
            .hopByHop,
            post("Connection: transfer-encoding\r\nTransfer-Encoding: chunked\r\n", body: chunkedHello),
            400
        ),
        .refused("Connection: host", .hopByHop, "GET / HTTP/1.1\r\nHost: a\r\nConnection: host\r\n\r\n", 400),
        .refused(
            "Connection: keep-alive, Content-Length",
            .hopByHop,
            post("Connection: keep-alive, Content-Length\r\nContent-Length: \(smuggledLength)\r\n", body: smuggled),
            400
        ),
        .refused(
            "Connection: TRANSFER-ENCODING",
            .hopByHop,
            post("Connection: TRANSFER-ENCODING\r\nTransfer-Encoding: chunked\r\n", body: chunkedHello),
            400
        ),
        .refused("Connection with 5,000 tokens", .hopByHop, get(connectionTokens: 5000), 400),
        .refused("Connection with 33 tokens", .hopByHop, get(connectionTokens: 33), 400),
        .forwarded("Connection with 32 tokens", .hopByHop, get(connectionTokens: 32), .init(absent: ["connection"])),
        .forwarded(
            "Connection: close, X-Secret drops X-Secret",
            .hopByHop,
            "GET / HTTP/1.1\r\nHost: a\r\nConnection: close, X-Secret\r\nX-Secret: 1\r\n\r\n",
            .init(absent: ["x-secret", "connection"])
        ),
    ]

    // MARK: Methods whose encoder drops framing

    /// NIO's request encoder strips `Content-Length` and `Transfer-Encoding` from TRACE, so its body would be
    /// sent unframed; the other methods must keep their framing exactly.
    static let methodFraming: [SmugglingCase] =
        [
            .refused(
                "TRACE with Content-Length body",
                .methodFraming,
                "TRACE / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
                400
            ),
            .refused(
                "TRACE with a smuggled request as body",
                .methodFraming,
                "TRACE / HTTP/1.1\r\nHost: a\r\nContent-Length: \(smuggledLength)\r\n\r\n" + smuggled,
                400
            ),
            .refused(
                "TRACE with chunked body",
                .methodFraming,
                "TRACE / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + chunkedHello,
                400
            ),
        ]
        + ["GET", "HEAD", "DELETE", "OPTIONS", "PURGE"].map { method -> SmugglingCase in
            .forwarded(
                "\(method) with Content-Length body",
                .methodFraming,
                "\(method) / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
                .init(contentLength: "5", bodyBytes: 5)
            )
        } + [
            .forwarded(
                "POST with chunked body",
                .methodFraming,
                post("Transfer-Encoding: chunked\r\n", body: chunkedHello),
                .init(chunked: true, bodyBytes: 5)
            )
        ]

    // MARK: CONNECT

    static let connect: [SmugglingCase] = [
        .refused(
            "CONNECT authority-form",
            .connect,
            "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
            405
        )
    ]

    // MARK: Request target and Host

    /// Routing uses Host and the target; two views of either let a client reach a route it should not.
    static let requestTarget: [SmugglingCase] =
        [
            .refused("two Host fields", .requestTarget, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
            .refused("empty Host", .requestTarget, "GET / HTTP/1.1\r\nHost:\r\n\r\n", 400),
        ]
        + ["a b", "a/b", "user@a", "[::1", "a:port", "a:8x"].map { host -> SmugglingCase in
            .refused("Host: \(host)", .requestTarget, "GET / HTTP/1.1\r\nHost: \(host)\r\n\r\n", 400)
        } + [
            .refused("fragment in target", .requestTarget, "GET /a#frag HTTP/1.1\r\nHost: a\r\n\r\n", 400),
            .refused("origin-form without slash", .requestTarget, "GET foo HTTP/1.1\r\nHost: a\r\n\r\n", 400),
            .refused("asterisk-form on GET", .requestTarget, "GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400),
            .refused(
                "absolute-form with another Host",
                .requestTarget,
                "GET http://a.example/x?y HTTP/1.1\r\nHost: b.example\r\n\r\n",
                400
            ),
            .forwarded(
                "absolute-form with matching Host",
                .requestTarget,
                "GET http://a.example/x?y HTTP/1.1\r\nHost: a.example\r\n\r\n",
                .init(target: "/x?y", host: "a.example")
            ),
            .forwarded(
                "absolute-form with empty path",
                .requestTarget,
                "GET http://a.example HTTP/1.1\r\nHost: a.example\r\n\r\n",
                .init(target: "/", host: "a.example")
            ),
            .refused("HTTP/1.1 without Host", .requestTarget, "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", 400),
        ]

    // MARK: Limits

    static let limits: [SmugglingCase] = [
        .refused("2,000 header fields", .limits, get(fieldCount: 2000), 431),
        .refused("101 header fields", .limits, get(fieldCount: 101), 431),
        .forwarded("100 header fields", .limits, get(fieldCount: 100)),
        .forwarded("99 header fields", .limits, get(fieldCount: 99)),
        .refused("300-byte header name", .limits, get(headerNameBytes: 300), 431),
        .refused("257-byte header name", .limits, get(headerNameBytes: 257), 431),
        .forwarded("256-byte header name", .limits, get(headerNameBytes: 256)),
    ]

    // MARK: Content-Length and Transfer-Encoding together

    static let framingConflict: [SmugglingCase] = [
        .refused(
            "CL.TE",
            .framingConflict,
            post(
                "Content-Length: \(5 + smuggledLength)\r\nTransfer-Encoding: chunked\r\n",
                body: "0\r\n\r\n" + smuggled
            ),
            400
        ),
        .refused(
            "TE.CL",
            .framingConflict,
            post(
                "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n",
                body: String(smuggledLength, radix: 16) + "\r\n" + smuggled + "\r\n0\r\n\r\n"
            ),
            400
        ),
    ]

    // MARK: Transfer-Encoding obfuscation

    /// Each body is `smuggled` after an empty chunked body: a hop that ignores the coding forwards it.
    static let teBody = "0\r\n\r\n" + smuggled

    static let transferEncoding: [SmugglingCase] = [
        .refused("space before colon", .transferEncoding, post("Transfer-Encoding : chunked\r\n", body: teBody), 400),
        .refused("xchunked", .transferEncoding, post("Transfer-Encoding: xchunked\r\n", body: teBody), 501),
        .refused(
            "chunked then identity line",
            .transferEncoding,
            post("Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", body: teBody),
            501
        ),
        SmugglingCase(
            label: "chunked, chunked",
            kind: .transferEncoding,
            bytes: Array(post("Transfer-Encoding: chunked, chunked\r\n", body: teBody).utf8),
            allowed: [[400], [501]],
            mayReachBackend: false
        ),
        .refused(
            "quoted \"chunked\"",
            .transferEncoding,
            post("Transfer-Encoding: \"chunked\"\r\n", body: teBody),
            501
        ),
        .forwarded(
            "tab before chunked",
            .transferEncoding,
            post("Transfer-Encoding:\tchunked\r\n", body: chunkedHello),
            .init(chunked: true, bodyBytes: 5)
        ),
        .forwarded(
            "CHUNKED upper case",
            .transferEncoding,
            post("Transfer-Encoding: CHUNKED\r\n", body: chunkedHello),
            .init(chunked: true, bodyBytes: 5)
        ),
        .refused(
            "obs-folded Transfer-Encoding",
            .transferEncoding,
            post("X: a\r\n Transfer-Encoding: chunked\r\n", body: smuggled),
            400
        ),
    ]

    // MARK: Chunked body

    /// Errors after the head: the head may have reached the backend, but no request may complete there.
    static func brokenChunks(_ label: String, _ body: String) -> SmugglingCase {
        SmugglingCase(
            label: label,
            kind: .chunkedBody,
            bytes: Array(post("Transfer-Encoding: chunked\r\n", body: body).utf8),
            allowed: [[400], []],
            mayReachBackend: true,
            upstream: .init(completed: 0)
        )
    }

    static let chunkedBody: [SmugglingCase] = [
        brokenChunks("chunk-size overflow", "fffffffffffffffffff1\r\n" + smuggled),
        brokenChunks("chunk extension with bare LF", "5;ext\nhello\r\n0\r\n\r\n" + smuggled),
        brokenChunks("chunk size with bare LF", "5\nhello\r\n0\r\n\r\n" + smuggled),
        brokenChunks("chunk data longer than its size", "3\r\nhello\r\n0\r\n\r\n" + smuggled),
    ]

    // MARK: Line syntax

    static let lineSyntax: [SmugglingCase] = [
        .refused("bare LF line endings", .lineSyntax, "GET / HTTP/1.1\nHost: a\n\n", 400),
        .refused("obs-fold", .lineSyntax, "GET / HTTP/1.1\r\nHost: a\r\nX-A: a\r\n\tb\r\n\r\n", 400),
        .refused("empty header name", .lineSyntax, "GET / HTTP/1.1\r\nHost: a\r\n: x\r\n\r\n", 400),
        .refused("NUL in header value", .lineSyntax, "GET / HTTP/1.1\r\nHost: a\r\nX-A: a\u{0}b\r\n\r\n", 400),
        .refused("NUL in header name", .lineSyntax, "GET / HTTP/1.1\r\nHost: a\r\nX-\u{0}A: a\r\n\r\n", 400),
        .refused("NUL in target", .lineSyntax, "GET /a\u{0}b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ]

    // MARK: Content-Length

    static let contentLength: [SmugglingCase] = [
        .refused("Content-Length: +5", .contentLength, post("Content-Length: +5\r\n", body: "hello" + smuggled), 400),
        .refused("Content-Length: 0x5", .contentLength, post("Content-Length: 0x5\r\n", body: "hello" + smuggled), 400),
        .refused(
            "Content-Length: 5, 6",
            .contentLength,
            post("Content-Length: 5, 6\r\n", body: "hello!" + smuggled),
            400
        ),
        .refused(
            "two different Content-Length lines",
            .contentLength,
            post("Content-Length: 5\r\nContent-Length: 6\r\n", body: "hello!" + smuggled),
            400
        ),
        // RFC 9110 §8.6 allows merging identical values, but NIO's llhttp refuses the duplicate and Tandem never
        // accepts what its reference parser refuses.
        .refused(
            "identical duplicate Content-Length",
            .contentLength,
            post("Content-Length: 5\r\nContent-Length: 5\r\n", body: "hello" + smuggled),
            400
        ),
    ]

    // MARK: Pipelining

    static let pipelining: [SmugglingCase] = [
        .forwarded(
            "two GETs in one write",
            .pipelining,
            "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
            requests: 2
        )
    ]
}
