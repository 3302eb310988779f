import NIOHTTP1
import Testing

@testable import TandemProxy

/// The rules of `RequestHeadValidation` on heads as the decoder hands them over; the raw-byte corpus
/// (`Smuggling/`) checks the same rules end to end.
@Suite("Request head validation")
struct RequestHeadValidationTests {
    static let limits = RequestHeadValidation.Limits(
        maxHeaderBytes: 65536, maxURIBytes: 8192, maxHeaderFields: 100, maxHeaderNameBytes: 256,
        maxConnectionTokens: 32
    )

    func check(
        _ method: HTTPMethod = .GET,
        _ uri: String = "/",
        version: HTTPVersion = .http1_1,
        _ fields: [(String, String)] = [("Host", "a.example")]
    ) -> Result<RequestHeadValidation.Accepted, ProxyErrorResponse> {
        RequestHeadValidation.check(
            HTTPRequestHead(version: version, method: method, uri: uri, headers: HTTPHeaders(fields)),
            limits: Self.limits
        )
    }

    func status(_ result: Result<RequestHeadValidation.Accepted, ProxyErrorResponse>) -> Int {
        switch result {
        case .success: 200
        case .failure(let problem): Int(problem.status.code)
        }
    }

    /// Framing is rebuilt: exactly one framing field when there is a body, none (or `Content-Length: 0` for
    /// methods that usually carry one) when there is not, whatever the method.
    @Test(arguments: [HTTPMethod.GET, .HEAD, .DELETE, .OPTIONS, .POST, .PUT, .RAW(value: "PURGE")])
    func framingIsRebuiltForEveryMethod(method: HTTPMethod) throws {
        let withLength = try check(method, "/", [("Host", "a"), ("Content-Length", "5"), ("content-length", "5")]).get()
        #expect(withLength.framing == .contentLength(5))
        #expect(withLength.upstreamHead.headers["content-length"] == ["5"])
        #expect(!withLength.upstreamHead.headers.contains(name: "transfer-encoding"))

        let chunked = try check(method, "/", [("Host", "a"), ("Transfer-Encoding", "CHUNKED")]).get()
        #expect(chunked.upstreamHead.headers["transfer-encoding"] == ["chunked"])
        #expect(!chunked.upstreamHead.headers.contains(name: "content-length"))

        let bodiless = try check(method, "/", [("Host", "a")]).get()
        #expect(!bodiless.upstreamHead.headers.contains(name: "transfer-encoding"))
        #expect(bodiless.upstreamHead.headers["content-length"] == (method.usuallyHasRequestBody ? ["0"] : []))
    }

    @Test func traceWithABodyAndConnectAreRefused() {
        #expect(status(check(.TRACE, "/", [("Host", "a"), ("Content-Length", "3")])) == 400)
        #expect(status(check(.TRACE, "/", [("Host", "a"), ("Transfer-Encoding", "chunked")])) == 400)
        #expect(status(check(.TRACE, "/", [("Host", "a"), ("Content-Length", "0")])) == 200)
        #expect(status(check(.CONNECT, "a.example:443", [("Host", "a.example:443")])) == 405)
    }

    /// `Connection` may remove hop-by-hop fields, never the framing or the Host; its tokens are capped.
    @Test func connectionOptions() throws {
        for protected in ["content-length", "Transfer-Encoding", "HOST"] {
            #expect(status(check(.GET, "/", [("Host", "a"), ("Connection", "keep-alive, \(protected)")])) == 400)
        }
        let accepted = try check(.GET, "/", [("Host", "a"), ("Connection", "close, X-Secret"), ("X-Secret", "1")]).get()
        #expect(!accepted.upstreamHead.headers.contains(name: "x-secret"))
        #expect(!accepted.upstreamHead.headers.contains(name: "connection"))
        let many = (0..<5000).map { "x\($0)" }.joined(separator: ", ")
        #expect(status(check(.GET, "/", [("Host", "a"), ("Connection", many)])) == 400)
        let atCap = (0..<32).map { "x\($0)" }.joined(separator: ",")
        #expect(status(check(.GET, "/", [("Host", "a"), ("Connection", atCap)])) == 200)
    }

    @Test(arguments: [
        ("a.example", true), ("a.example:8080", true), ("127.0.0.1", true), ("[::1]:443", true), ("xn--d1a.example", true),
        ("", false), ("a b", false), ("a/b", false), ("user@a", false), ("[::1", false), ("a:8x", false),
        ("a:", false), ("a:70000", false), ("a,b", false), ("%zz", false), ("[]", false),
    ])
    func hostSyntax(host: String, valid: Bool) {
        #expect(RequestHeadValidation.isValidHost(host.utf8) == valid)
        #expect(status(check(.GET, "/", [("Host", host)])) == (valid ? 200 : 400))
    }

    @Test func hostRules() throws {
        #expect(status(check(.GET, "/", [("Host", "a"), ("Host", "a")])) == 400)
        #expect(status(check(.GET, "/", [])) == 400)
        let http10 = try check(.GET, "/", version: .http1_0, []).get()
        #expect(http10.host == nil)
        #expect(http10.upstreamHead.version == .http1_1)
    }

    /// Absolute-form becomes origin-form with Host from its authority; any other form but origin-form (and `*`
    /// for OPTIONS) is refused, and so is a fragment.
    @Test func requestTargets() throws {
        let absolute = try check(.GET, "http://A.example/x?y", [("Host", "a.EXAMPLE")]).get()
        #expect(absolute.upstreamHead.uri == "/x?y")
        #expect(absolute.upstreamHead.headers["host"] == ["A.example"])
        let noPath = try check(.GET, "https://a.example?q", []).get()
        #expect(noPath.upstreamHead.uri == "/?q")
        #expect(noPath.host == "a.example")
        #expect(status(check(.GET, "http://a.example/", [("Host", "b.example")])) == 400)
        #expect(status(check(.GET, "http://user@a.example/", [])) == 400)
        #expect(status(check(.GET, "/a#frag")) == 400)
        #expect(status(check(.GET, "foo")) == 400)
        #expect(status(check(.GET, "*")) == 400)
        #expect(status(check(.OPTIONS, "*")) == 200)
        #expect(status(check(.GET, "ftp://a.example/")) == 400)
    }

    @Test func transferCodings() {
        func coded(_ fields: [(String, String)], version: HTTPVersion = .http1_1) -> Int {
            status(check(.POST, "/", version: version, [("Host", "a")] + fields))
        }
        #expect(coded([("Transfer-Encoding", "chunked")]) == 200)
        #expect(coded([("Transfer-Encoding", "gzip, chunked")]) == 501)
        #expect(coded([("Transfer-Encoding", "xchunked")]) == 501)
        #expect(coded([("Transfer-Encoding", "chunked"), ("Transfer-Encoding", "identity")]) == 501)
        #expect(coded([("Transfer-Encoding", "chunked, chunked")]) == 400)
        #expect(coded([("Transfer-Encoding", "chunked"), ("Content-Length", "3")]) == 400)
        #expect(coded([("Transfer-Encoding", "chunked")], version: .http1_0) == 400)
    }

    @Test(arguments: ["+5", "0x5", "5, 6", "-1", "", "5 5", "99999999999999999999"])
    func invalidContentLength(value: String) {
        #expect(status(check(.POST, "/", [("Host", "a"), ("Content-Length", value)])) == 400)
    }

    @Test func fieldLimitsAndSyntax() {
        let fields = (0..<100).map { ("X-\($0)", "v") }
        #expect(status(check(.GET, "/", [("Host", "a")] + fields.dropFirst())) == 200)
        #expect(status(check(.GET, "/", [("Host", "a")] + fields)) == 431)
        #expect(status(check(.GET, "/", [("Host", "a"), (String(repeating: "n", count: 257), "v")])) == 431)
        #expect(status(check(.GET, "/", [("Host", "a"), ("X-A", "a\r\n b")])) == 400)
        #expect(status(check(.GET, "/", [("Host", "a"), ("X-A", "a\u{0}b")])) == 400)
        #expect(status(check(.GET, "/", [("Host", "a"), ("X A", "v")])) == 400)
        #expect(status(check(.GET, "/", [("Host", "a"), ("X-A", "tab\there, obs-text \u{E9}")])) == 200)
    }
}
