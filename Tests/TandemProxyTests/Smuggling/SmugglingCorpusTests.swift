import NIOCore
import Testing

/// Runs every corpus case against a fresh proxy and recording backend, and checks the invariants that a
/// desync between the proxy's and the backend's view of the byte stream would break.
@Suite("Smuggling corpus", .timeLimit(.minutes(1)))
struct SmugglingCorpusTests {
    /// Connection-specific fields that must never be forwarded (Transfer-Encoding is checked on its own:
    /// the proxy may frame a body with it).
    static let hopByHopNames: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "proxy-authenticate",
        "proxy-authorization",
    ]

    @Test(arguments: SmugglingCorpus.cases)
    func corpusCase(_ testCase: SmugglingCase) async throws {
        let backend = try await RecordingBackend()
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [backend.port])])
        let client = try await proxy.connect()
        // The proxy may close before it read everything (a refused head): a failed write is not the point.
        try? await client.send(client.channel.allocator.buffer(bytes: testCase.bytes))
        let responses = await Self.readResponses(from: client, firstIsHead: testCase.isHeadRequest)
        await client.close()
        await proxy.stop()
        let observed = Self.describe(responses: responses, backend: backend)

        // (a) The statuses, in order, and the shape of the proxy's own error responses.
        let statuses = responses.map(\.status)
        #expect(testCase.allowed.contains(statuses), "expected \(testCase.allowed); \(observed)")
        for response in responses where response.header("x-backend-seq") == nil && response.status >= 400 {
            #expect(response.closesConnection, "\(response.status) without Connection: close")
            #expect(!response.body.isEmpty && response.body.count < 200, "error body of \(response.body.count) bytes")
            #expect(response.bodyText.hasPrefix(String(response.status)), "error body: \(response.bodyText)")
        }

        // (b) Every request the backend answered reached the client, and no answer came from elsewhere.
        let fromBackend = responses.filter { $0.header("x-backend-seq") != nil }.count
        #expect(fromBackend == backend.completedRequests, "answers from the backend differ; \(observed)")
        #expect(!backend.requestHeads.contains { $0.uri.contains("smuggled") }, "a smuggled request; \(observed)")

        // (c) What crossed the proxy is framed unambiguously and carries no hop-by-hop field.
        var upstream: [UpstreamRequest] = []
        for bytes in backend.rawBytes {
            let (requests, rest) = UpstreamRequests.split(bytes)
            upstream += requests
            if testCase.allowed.allSatisfy({ $0.allSatisfy { $0 == 200 } }) {
                #expect(rest.isEmpty, "unframed upstream bytes: \(Self.text(rest))")
            }
        }
        for request in upstream {
            Self.checkFraming(request)
        }

        // (d) A head refused as such never reaches the backend.
        if !testCase.mayReachBackend {
            #expect(backend.acceptedConnections == 0 || !backend.receivedAnyBytes, "reached the backend; \(observed)")
        }

        // (e) Case-specific expectations on the forwarded request.
        Self.check(testCase.upstream, parsed: backend.requestHeads, raw: upstream, backend: backend, observed)
        await backend.shutDown()
    }

    @Test func everyClassHasACase() {
        let covered = Set(SmugglingCorpus.cases.map(\.kind))
        for kind in SmugglingCase.Kind.allCases {
            #expect(covered.contains(kind), "no case for \(kind.rawValue)")
        }
    }

    // MARK: Checks

    static func checkFraming(_ request: UpstreamRequest) {
        let lengths = request.values("content-length")
        let codings = request.values("transfer-encoding")
        let line = request.requestLine
        #expect(lengths.count <= 1, "\(line): \(lengths.count) Content-Length lines")
        #expect(codings.count <= 1, "\(line): \(codings.count) Transfer-Encoding lines")
        #expect(lengths.isEmpty || codings.isEmpty, "\(line): Content-Length with Transfer-Encoding")
        #expect(codings.allSatisfy { $0 == "chunked" }, "\(line): Transfer-Encoding \(codings)")
        let names = request.fields.map { $0.name.lowercased() }
        #expect(!names.contains { hopByHopNames.contains($0) }, "\(line): hop-by-hop field in \(names)")
        #expect(names.allSatisfy { !$0.isEmpty && !$0.contains(" ") }, "\(line): malformed field name in \(names)")
    }

    static func check(
        _ expected: UpstreamExpectation,
        parsed: [RecordedRequest],
        raw: [UpstreamRequest],
        backend: RecordingBackend,
        _ observed: String
    ) {
        if let completed = expected.completed {
            #expect(backend.completedRequests == completed, "completed requests; \(observed)")
        }
        let needsRequest =
            expected.target != nil || expected.host != nil || expected.contentLength != nil || expected.chunked
            || expected.bodyBytes != nil
        guard let first = parsed.first, let firstRaw = raw.first else {
            #expect(!needsRequest, "no request reached the backend; \(observed)")
            return
        }
        if let target = expected.target {
            #expect(first.uri == target, "target; \(observed)")
        }
        if let host = expected.host {
            #expect(firstRaw.values("host") == [host], "Host; \(observed)")
        }
        for name in expected.absent {
            #expect(firstRaw.values(name).isEmpty && first.values(name).isEmpty, "\(name) forwarded; \(observed)")
        }
        if let length = expected.contentLength {
            #expect(firstRaw.values("content-length") == [length], "Content-Length; \(observed)")
        }
        if expected.chunked {
            #expect(firstRaw.values("transfer-encoding") == ["chunked"], "Transfer-Encoding; \(observed)")
            #expect(firstRaw.values("content-length").isEmpty, "Content-Length on a chunked request; \(observed)")
        }
        if let bodyBytes = expected.bodyBytes {
            #expect(first.bodyBytes == bodyBytes, "body bytes; \(observed)")
            #expect(first.completed, "the request did not complete; \(observed)")
        }
    }

    // MARK: Reading

    /// Every response on the connection until the proxy closes it or `limit` passes.
    static func readResponses(
        from client: RawConnection,
        firstIsHead: Bool,
        within limit: Duration = .seconds(3)
    ) async -> [RawResponse] {
        let deadline = ContinuousClock.now + limit
        var responses: [RawResponse] = []
        while ContinuousClock.now < deadline, responses.count < 16 {
            guard
                let response = try? await client.readResponse(
                    timeout: deadline - .now,
                    toHead: firstIsHead && responses.isEmpty
                )
            else { break }
            responses.append(response)
        }
        return responses
    }

    /// What the client and the backend saw, for failure messages.
    static func describe(responses: [RawResponse], backend: RecordingBackend) -> String {
        let client = responses.map { response in
            let origin = response.header("x-backend-seq").map { "backend #\($0)" } ?? "proxy"
            return "\(response.status) from \(origin)"
        }
        let heads = backend.requestHeads.map { request in
            "\(request.method) \(request.uri) complete=\(request.completed) body=\(request.bodyBytes)"
        }
        let raw = backend.rawBytes.map { text($0[...]) }
        return "client got \(client); backend accepted \(backend.acceptedConnections), parsed \(heads), raw \(raw)"
    }

    static func text(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix(400), as: UTF8.self).debugDescription
    }
}
