import NIOCore
import Testing

@testable import TandemProxy

/// The request head parser byte for byte: llhttp's grammar, then every rule a request head must pass with the
/// same status (the cases of the former string-level validation tests, as raw bytes).
@Suite("HTTP1 request head parser")
struct HTTP1RequestHeadParserTests {
    static let limits = RequestHeadParser.Limits(
        maxHeaderBytes: 65536,
        maxURIBytes: 8192,
        maxHeaderFields: 100,
        maxHeaderNameBytes: 256,
        maxConnectionTokens: 32
    )

    /// Scans and parses `text` in one go; a scan that does not complete is a failure of the test.
    static func parse(
        _ bytes: [UInt8],
        limits: RequestHeadParser.Limits = limits
    ) -> Result<RequestHead, ProxyErrorResponse> {
        let buffer = ByteBuffer(bytes: bytes)
        switch RequestHeadParser.scan(buffer, from: 0, limits: limits) {
        case .complete(let length): return RequestHeadParser.parse(buffer, length: length, limits: limits)
        case .invalid(let problem): return .failure(problem)
        case .incomplete: return .failure(.badRequest("incomplete (test)"))
        }
    }

    static func parse(
        _ text: String,
        limits: RequestHeadParser.Limits = limits
    ) -> Result<RequestHead, ProxyErrorResponse> {
        parse(Array(text.utf8), limits: limits)
    }

    static func status(_ result: Result<RequestHead, ProxyErrorResponse>) -> Int {
        switch result {
        case .success: 200
        case .failure(let problem): Int(problem.status.code)
        }
    }

    /// A GET with the given fields (each without CRLF).
    static func request(
        _ method: String = "GET",
        _ target: String = "/",
        version: String = "HTTP/1.1",
        _ fields: [String] = ["Host: a.example"]
    ) -> String {
        "\(method) \(target) \(version)\r\n" + fields.map { $0 + "\r\n" }.joined() + "\r\n"
    }

    static func status(
        _ method: String = "GET",
        _ target: String = "/",
        version: String = "HTTP/1.1",
        _ fields: [String] = ["Host: a.example"]
    ) -> Int {
        status(parse(request(method, target, version: version, fields)))
    }

    static func reason(_ result: Result<RequestHead, ProxyErrorResponse>) -> String? {
        if case .failure(let problem) = result { problem.body } else { nil }
    }

    /// A well-formed head yields offsets into its own bytes.
    @Test func parsesAHead() throws {
        let head = try Self.parse("POST /a?b HTTP/1.1\r\nHost: a.example\r\nContent-Length:  5 \r\nX-A:\tv w\t\r\n\r\n")
            .get()
        #expect(head.string(head.method) == "POST")
        #expect(head.knownMethod == .post)
        #expect(head.string(head.target) == "/a?b")
        #expect(head.minorVersion == 1)
        #expect(head.fields.map { head.string($0.name) } == ["Host", "Content-Length", "X-A"])
        #expect(head.fields.map { head.string($0.value) } == ["a.example", "5", "v w"])
        #expect(head.fields.map(\.kind) == [.host, .contentLength, .other])
        #expect(head.framing == .contentLength(5))
        #expect(head.keepAlive)
        #expect(!head.expectsContinue)
        #expect(head.absoluteForm == nil)
        #expect(head.host.map(head.string) == "a.example")
        #expect(!head.isIdempotent)
        #expect(head.bytes.readableBytes == head.bytes.readableBytesView.count)
    }

    /// Leading empty lines (up to four) are skipped: the head's bytes start at the request line, the scanned
    /// length includes them.
    @Test func leadingEmptyLines() throws {
        let text = "\r\n\r\n" + Self.request()
        let buffer = ByteBuffer(string: text)
        #expect(RequestHeadParser.scan(buffer, from: 0, limits: Self.limits) == .complete(length: text.utf8.count))
        let head = try RequestHeadParser.parse(buffer, length: text.utf8.count, limits: Self.limits).get()
        #expect(head.string(head.method) == "GET")
        #expect(head.bytes.readableBytes == text.utf8.count - 4)
        #expect(Self.status(Self.parse(String(repeating: "\r\n", count: 4) + Self.request())) == 200)
        #expect(Self.status(Self.parse(String(repeating: "\r\n", count: 5) + Self.request())) == 400)
        #expect(Self.status(Self.parse("\n" + Self.request())) == 400)
    }

    @Test(arguments: [
        ("GET / HTTP/1.1", 200), ("GET  / HTTP/1.1", 400), ("GET /  HTTP/1.1", 400), ("GET / HTTP/1.1 ", 400),
        (" GET / HTTP/1.1", 400), ("GET\t/ HTTP/1.1", 400), ("GET /\tx HTTP/1.1", 400), ("get / HTTP/1.1", 400),
        ("FOO / HTTP/1.1", 400), ("PURGE / HTTP/1.1", 200), ("M-SEARCH / HTTP/1.1", 200), ("GET / HTTP/1.0", 200),
        ("GET / HTTP/1.2", 400), ("GET / HTTP/2.0", 400), ("GET / HTTP/1.10", 400), ("GET / http/1.1", 400),
        ("GET / HTTP/1", 400), ("GET /", 400), ("GET", 400), ("/ HTTP/1.1", 400), ("G(T / HTTP/1.1", 400),
        ("GET /a\"b HTTP/1.1", 200), ("GET /\u{7F} HTTP/1.1", 400),
    ])
    func requestLineGrammar(line: String, expected: Int) {
        #expect(Self.status(Self.parse(line + "\r\nHost: a\r\n\r\n")) == expected, "\(line.debugDescription)")
    }

    @Test func nonASCIIInTargetOrValueIsRefused() {
        #expect(
            Self.status(Self.parse(Array("GET /a".utf8) + [0xFF] + Array(" HTTP/1.1\r\nHost: a\r\n\r\n".utf8))) == 400
        )
        #expect(
            Self.status(Self.parse(Array("GET / HTTP/1.1\r\nHost: a\r\nX: a".utf8) + [0x80] + Array("\r\n\r\n".utf8)))
                == 400
        )
        #expect(
            Self.status(Self.parse(Array("GET /a".utf8) + [0x00] + Array(" HTTP/1.1\r\nHost: a\r\n\r\n".utf8))) == 400
        )
    }

    @Test(arguments: [
        ("X-A: v", 200), ("X-A : v", 400), ("X-A\t: v", 400), (": v", 400), ("X-A v", 400), ("X-A:v", 200),
        (" folded", 400), ("\tfolded", 400), ("X-A: a\u{0}b", 400), ("X-A: a\u{7F}b", 400), ("X-A: tab\there", 200),
        ("X(A): v", 400), ("X-A:", 200), ("X-A: \"quoted\"", 200), ("X-A: a\u{1}b", 400),
    ])
    func fieldLineGrammar(line: String, expected: Int) {
        #expect(Self.status("GET", "/", ["Host: a", line]) == expected, "\(line.debugDescription)")
    }

    @Test func bareLineEndsAreRefusedByTheScan() {
        let limits = Self.limits
        for text in [
            "GET / HTTP/1.1\nHost: a\r\n\r\n", "GET / HTTP/1.1\r\nHost: a\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\n\n", "GET / HTTP/1.1\r\nHost: a\r\n\r\r",
        ] {
            guard case .invalid(let problem) = RequestHeadParser.scan(ByteBuffer(string: text), from: 0, limits: limits)
            else {
                Issue.record("not refused: \(text.debugDescription)")
                continue
            }
            #expect(problem.status.code == 400)
        }
        // A CR at the end cannot be judged yet.
        #expect(
            RequestHeadParser.scan(ByteBuffer(string: "GET / HTTP/1.1\r"), from: 0, limits: limits)
                == .incomplete(scanned: 14)
        )
    }

    /// Fed one byte at a time, resuming where the last call stopped, the scan finds the same end and looks at
    /// each byte a bounded number of times.
    @Test func scanResumesLinearly() {
        let text = Array(
            Self.request(
                "POST",
                "/upload",
                ["Host: a", "Content-Length: 3", "X-Long: " + String(repeating: "v", count: 3000)]
            ).utf8
        )
        let oneShot = RequestHeadParser.scan(ByteBuffer(bytes: text), from: 0, limits: Self.limits)
        #expect(oneShot == .complete(length: text.count))
        var buffer = ByteBuffer()
        var scanned = 0
        var visited = 0
        var result: RequestHeadParser.Scan?
        for byte in text {
            buffer.writeInteger(byte)
            let step = RequestHeadParser.scan(buffer, from: scanned, limits: Self.limits)
            switch step {
            case .incomplete(let next):
                #expect(next >= scanned)
                visited += buffer.readableBytes - scanned
                scanned = next
            case .complete, .invalid:
                visited += buffer.readableBytes - scanned
                result = step
            }
        }
        #expect(result == oneShot)
        #expect(visited <= 2 * text.count)
    }

    /// 431 when no end comes within `maxHeaderBytes`; 414 when the request line has not ended within
    /// `maxURIBytes` + the slack; both exactly at their boundary.
    @Test func scanLimits() {
        var limits = Self.limits
        limits.maxHeaderBytes = 100
        limits.maxURIBytes = 40
        let filler = "X: " + String(repeating: "v", count: 100)
        let head = Array("GET / HTTP/1.1\r\nHost: a\r\n".utf8)
        func scan(_ bytes: [UInt8]) -> RequestHeadParser.Scan {
            RequestHeadParser.scan(ByteBuffer(bytes: bytes), from: 0, limits: limits)
        }
        let exact = head + Array(String(repeating: "v", count: 100 - head.count - 2 - 4).utf8)
        let fits = head + Array("X:".utf8) + exact.dropFirst(head.count) + Array("\r\n\r\n".utf8)
        #expect(fits.count == 100)
        #expect(scan(fits) == .complete(length: 100))
        let oneOver = Array(fits.dropLast(4)) + Array("v\r\n\r\n".utf8)
        #expect(scan(oneOver) == .invalid(.headersTooLarge(nil)))
        // 100 bytes ending in a CR: the LF that would make it 101 has not come yet.
        #expect(scan(Array(oneOver.dropLast())) == .incomplete(scanned: 99))
        #expect(scan(head + Array(filler.utf8)) == .invalid(.headersTooLarge(nil)))
        #expect(scan(Array(head.prefix(100))) == .incomplete(scanned: head.count))
        let longLine = Array("GET /".utf8) + Array(repeating: UInt8(ascii: "a"), count: 40 + 32 - 5)
        #expect(scan(longLine) == .incomplete(scanned: 72))
        #expect(scan(longLine + [UInt8(ascii: "a")]) == .invalid(.uriTooLong))
        // The parser applies the URI limit to the target itself.
        limits.maxHeaderBytes = 65536
        #expect(
            Self.status(Self.parse(Self.request("GET", "/" + String(repeating: "a", count: 39)), limits: limits)) == 200
        )
        #expect(
            Self.status(Self.parse(Self.request("GET", "/" + String(repeating: "a", count: 40)), limits: limits)) == 414
        )
    }

    // MARK: The request head rules, as raw bytes

    @Test func framingForEveryMethod() throws {
        for method in ["GET", "HEAD", "DELETE", "OPTIONS", "POST", "PUT", "PURGE"] {
            #expect(
                try Self.parse(Self.request(method, "/", ["Host: a", "Content-Length: 5"])).get().framing
                    == .contentLength(5)
            )
            #expect(
                try Self.parse(Self.request(method, "/", ["Host: a", "Transfer-Encoding: CHUNKED"])).get().framing
                    == .chunked
            )
            #expect(try Self.parse(Self.request(method, "/", ["Host: a"])).get().framing == BodyFraming.none)
            // llhttp refuses a repeated Content-Length even when the values agree; so does the parser.
            #expect(Self.status(method, "/", ["Host: a", "Content-Length: 5", "content-length: 5"]) == 400)
        }
    }

    @Test func traceWithABodyAndConnectAreRefused() {
        #expect(Self.status("TRACE", "/", ["Host: a", "Content-Length: 3"]) == 400)
        #expect(Self.status("TRACE", "/", ["Host: a", "Transfer-Encoding: chunked"]) == 400)
        #expect(Self.status("TRACE", "/", ["Host: a", "Content-Length: 0"]) == 200)
        #expect(Self.status("CONNECT", "a.example:443", ["Host: a.example:443"]) == 405)
    }

    @Test func connectionOptions() throws {
        for protected in ["content-length", "Transfer-Encoding", "HOST"] {
            let result = Self.parse(Self.request("GET", "/", ["Host: a", "Connection: keep-alive, \(protected)"]))
            #expect(Self.reason(result) == "400 Bad Request: Connection header names \(protected.lowercased())\n")
        }
        let head = try Self.parse(Self.request("GET", "/", ["Host: a", "Connection: close, X-Secret", "X-Secret: 1"]))
            .get()
        #expect(head.connectionOptions.map(head.string) == ["close", "X-Secret"])
        #expect(head.fields.map(head.isConnectionSpecific) == [false, true, true])
        let many = (0..<5000).map { "x\($0)" }.joined(separator: ", ")
        #expect(Self.status("GET", "/", ["Host: a", "Connection: \(many)"]) == 400)
        let atCap = (0..<32).map { "x\($0)" }.joined(separator: ",")
        #expect(Self.status("GET", "/", ["Host: a", "Connection: \(atCap)"]) == 200)
        #expect(Self.status("GET", "/", ["Host: a", "Connection: a b"]) == 400)
    }

    @Test(arguments: [
        ("1.1", "", true), ("1.1", "Connection: close", false), ("1.1", "Connection: Keep-Alive", true),
        ("1.1", "Connection: x, CLOSE", false), ("1.0", "", false), ("1.0", "Connection: keep-alive", true),
        ("1.0", "Connection: keep-alive, close", false), ("1.0", "Connection: x", false),
    ])
    func keepAlive(version: String, field: String, expected: Bool) throws {
        let fields = ["Host: a"] + (field.isEmpty ? [] : [field])
        #expect(
            try Self.parse(Self.request("GET", "/", version: "HTTP/\(version)", fields)).get().keepAlive == expected
        )
    }

    @Test(arguments: [
        ("a.example", true), ("a.example:8080", true), ("127.0.0.1", true), ("[::1]:443", true),
        ("xn--d1a.example", true),
        ("", false), ("a b", false), ("a/b", false), ("user@a", false), ("[::1", false), ("a:8x", false),
        ("a:", false), ("a:70000", false), ("a,b", false), ("%zz", false), ("[]", false),
    ])
    func hostSyntax(host: String, valid: Bool) {
        #expect(HTTPSyntax.isValidHost(host.utf8) == valid)
        #expect(Self.status("GET", "/", ["Host: \(host)"]) == (valid ? 200 : 400))
    }

    @Test func hostRules() throws {
        #expect(
            Self.reason(Self.parse(Self.request("GET", "/", ["Host: a", "Host: a"])))
                == "400 Bad Request: more than one Host header\n"
        )
        #expect(Self.reason(Self.parse(Self.request("GET", "/", []))) == "400 Bad Request: missing Host header\n")
        let http10 = try Self.parse(Self.request("GET", "/", version: "HTTP/1.0", [])).get()
        #expect(http10.host == nil)
        #expect(!http10.keepAlive)
    }

    /// Absolute-form: the authority becomes the host, the path what goes upstream (with a slash when missing).
    @Test func requestTargets() throws {
        let absolute = try Self.parse(Self.request("GET", "http://A.example/x?y", ["Host: a.EXAMPLE"])).get()
        let form = try #require(absolute.absoluteForm)
        #expect(absolute.string(form.path) == "/x?y")
        #expect(!form.pathNeedsLeadingSlash)
        #expect(absolute.string(form.authority) == "A.example")
        #expect(absolute.host == form.authority)
        let noPath = try Self.parse(Self.request("GET", "https://a.example?q", [])).get()
        #expect(noPath.absoluteForm.map { noPath.string($0.path) } == "?q")
        #expect(noPath.absoluteForm?.pathNeedsLeadingSlash == true)
        #expect(noPath.host.map(noPath.string) == "a.example")
        let bare = try Self.parse(Self.request("GET", "HTTP://a.example", [])).get()
        #expect(bare.absoluteForm?.path.isEmpty == true)
        #expect(bare.absoluteForm?.pathNeedsLeadingSlash == true)
        #expect(Self.status("GET", "http://a.example/", ["Host: b.example"]) == 400)
        #expect(Self.status("GET", "http://user@a.example/", []) == 400)
        #expect(Self.status("GET", "/a#frag") == 400)
        #expect(Self.status("GET", "foo") == 400)
        #expect(Self.status("GET", "*") == 400)
        #expect(Self.status("OPTIONS", "*") == 200)
        #expect(Self.status("GET", "ftp://a.example/") == 400)
    }

    @Test func transferCodings() {
        func coded(_ fields: [String], version: String = "HTTP/1.1") -> Int {
            Self.status("POST", "/", version: version, ["Host: a"] + fields)
        }
        #expect(coded(["Transfer-Encoding: chunked"]) == 200)
        #expect(coded(["Transfer-Encoding: gzip, chunked"]) == 501)
        #expect(coded(["Transfer-Encoding: xchunked"]) == 501)
        #expect(coded(["Transfer-Encoding: chunked", "Transfer-Encoding: identity"]) == 501)
        #expect(coded(["Transfer-Encoding: chunked, chunked"]) == 400)
        #expect(coded(["Transfer-Encoding: chunked", "Content-Length: 3"]) == 400)
        #expect(coded(["Transfer-Encoding: chunked"], version: "HTTP/1.0") == 400)
    }

    @Test(arguments: ["+5", "0x5", "5, 6", "-1", "", "5 5", "99999999999999999999", "5,", "5, 5"])
    func invalidContentLength(value: String) {
        #expect(Self.status("POST", "/", ["Host: a", "Content-Length: \(value)"]) == 400)
    }

    @Test func fieldLimitsAndSyntax() {
        let fields = (0..<100).map { "X-\($0): v" }
        #expect(Self.status("GET", "/", ["Host: a"] + fields.dropFirst()) == 200)
        let tooMany = Self.parse(Self.request("GET", "/", ["Host: a"] + fields))
        #expect(Self.reason(tooMany) == "431 Request Header Fields Too Large: more than 100 header fields\n")
        #expect(Self.status("GET", "/", ["Host: a", String(repeating: "n", count: 256) + ": v"]) == 200)
        #expect(Self.status("GET", "/", ["Host: a", String(repeating: "n", count: 257) + ": v"]) == 431)
        #expect(Self.status("GET", "/", ["Host: a", "X A: v"]) == 400)
    }

    @Test func fieldKinds() throws {
        let names: [(String, FieldKind)] = [
            ("X-Other", .other), ("hOsT", .host), ("Content-Length", .contentLength), ("TE", .te),
            ("Transfer-Encoding", .transferEncoding), ("Connection", .connection), ("Keep-Alive", .keepAlive),
            ("Proxy-Connection", .proxyConnection), ("Trailer", .trailer), ("Upgrade", .upgrade),
            ("Proxy-Authenticate", .proxyAuthenticate), ("Proxy-Authorization", .proxyAuthorization),
            ("Cookie", .cookie), ("Set-Cookie", .setCookie), ("Expect", .expect), ("X-Forwarded-For", .xForwardedFor),
            ("X-Forwarded-Proto", .xForwardedProto), ("X-Forwarded-Host", .xForwardedHost), ("Hosts", .other),
            ("Content-Lengths", .other), ("Cookie2", .other),
        ]
        for (name, kind) in names { #expect(FieldKind.of(name.utf8) == kind, "\(name)") }
        let head = try Self.parse(Self.request("PUT", "/", ["Host: a", "Expect: 100-Continue", "Content-Length: 1"]))
            .get()
        #expect(head.expectsContinue)
        #expect(head.isIdempotent)
    }
}
