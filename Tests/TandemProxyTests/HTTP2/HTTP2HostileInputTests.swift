import NIOCore
import Testing

/// Hostile HTTP/2 input, sent as exact frames to a real proxy on loopback: each is refused before anything reaches
/// a backend, with the error RFC 9113 (or the flood defence) calls for.
@Suite("HTTP/2 hostile input and limits", .serialized, .timeLimit(.minutes(1)))
struct HTTP2HostileInputTests {
    typealias C = H2FrameClient

    private func start(
        _ extra: [String] = [],
        behaviour: BackendBehaviour = .answerName
    ) async throws -> (
        TestBackend, TestProxy
    ) {
        let backend = try await TestBackend(name: "b1", behaviour: behaviour)
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [backend.port])],
            frontend: ["h2c: true"] + extra
        )
        return (backend, proxy)
    }

    /// Uppercase names, an unknown pseudo-header, a pseudo-header after a regular field, connection-specific fields
    /// and a missing :path each get RST_STREAM PROTOCOL_ERROR on their stream; the connection goes on serving.
    @Test func malformedHeaderBlocksResetTheStream() async throws {
        let (backend, proxy) = try await start()
        let client = try await C.connect(to: proxy)
        let blocks: [[(String, String)]] = [
            C.get("/") + [("X-Upper", "1")],
            C.get("/") + [(":foo", "bar")],
            [(":method", "GET"), (":scheme", "http"), ("x-a", "1"), (":path", "/"), (":authority", "test.local")],
            C.get("/") + [("connection", "keep-alive")],
            C.get("/") + [("transfer-encoding", "chunked")],
            C.get("/") + [("te", "gzip")],
            [(":method", "GET"), (":scheme", "http"), (":authority", "test.local")],
        ]
        var stream: UInt32 = 1
        for block in blocks {
            let response = try await client.request(stream: stream, block)
            #expect(response.reset == C.ErrorCode.protocolError, "block \(block)")
            stream += 2
        }
        let fine = try await client.request(stream: stream, C.get("/ok"))
        #expect(fine.status == 200)
        #expect(backend.requests.elements.map(\.uri) == ["/ok"])
        await client.close()
        await proxy.stop()
        await backend.close()
    }

    /// SETTINGS advertise `max_concurrent_streams`; a stream beyond it is refused while the others are served.
    @Test func concurrentStreamLimit() async throws {
        let (backend, proxy) = try await start(
            ["h2: { max_concurrent_streams: 2 }"],
            behaviour: .answerNameAfter(.milliseconds(300))
        )
        let client = try await C.connect(to: proxy)
        #expect(await client.advertisedSetting(0x3) == 2)
        try await client.send(
            client.headersFrame(stream: 1, C.get("/1"), endStream: true)
                + client.headersFrame(stream: 3, C.get("/3"), endStream: true)
                + client.headersFrame(stream: 5, C.get("/5"), endStream: true)
        )
        // RFC 9113 §5.1.2 allows a stream error (REFUSED_STREAM, PROTOCOL_ERROR); NIOHTTP2 may also end the
        // connection. Either way the third stream is never served.
        let refusal = await client.frame(timeout: .seconds(3)) {
            ($0.stream == 5 && $0.type == C.FrameType.rstStream) || $0.type == C.FrameType.goAway
        }
        #expect(refusal != nil)
        try? await Task.sleep(for: .milliseconds(500))
        #expect(!backend.requests.elements.map(\.uri).contains("/5"))
        await client.close()
        await proxy.stop()
        await backend.close()
    }

    /// A header list above `max_header_list_size` never reaches the backend.
    @Test func headerListSizeLimit() async throws {
        let (backend, proxy) = try await start(["h2: { max_header_list_size: 1024 }"])
        let client = try await C.connect(to: proxy)
        let big = C.get("/") + [("x-big", String(repeating: "a", count: 4000))]
        try await client.send(client.headersFrame(stream: 1, big, endStream: true))
        let outcome = try? await client.response(stream: 1, timeout: .seconds(3))
        let goAway = await client.goAway(timeout: .milliseconds(500))
        #expect(outcome?.status == 431 || outcome?.reset != nil || goAway != nil || client.closed)
        #expect(outcome?.status != 200)
        #expect(backend.requests.elements.isEmpty)
        await client.close()
        await proxy.stop()
        await backend.close()
    }

    /// Rapid reset (CVE-2023-44487): opening and cancelling streams faster than `max_resets` per window closes the
    /// connection with GOAWAY ENHANCE_YOUR_CALM.
    @Test func rapidResetGetsEnhanceYourCalm() async throws {
        let (backend, proxy) = try await start(["h2: { max_resets: 50, reset_window: 30s }"])
        let client = try await C.connect(to: proxy)
        var bytes: [UInt8] = []
        for index in 0..<200 {
            let stream = UInt32(1 + 2 * index)
            bytes += client.headersFrame(stream: stream, C.get("/r\(index)"), endStream: true)
            bytes += C.rstStreamFrame(stream: stream, code: C.ErrorCode.cancel)
        }
        try? await client.send(bytes)
        let goAway = try #require(await client.goAway())
        #expect(goAway.errorCode == C.ErrorCode.enhanceYourCalm)
        #expect(await client.waitForClose())
        await client.close()
        await proxy.stop()
        await backend.close()
    }

    /// A CONTINUATION flood (a header block that never ends, sent in tiny pieces) is cut off with GOAWAY.
    @Test func continuationFloodIsCutOff() async throws {
        let (backend, proxy) = try await start()
        let client = try await C.connect(to: proxy)
        let block = client.headerBlock(C.get("/") + (0..<200).map { ("x-f\($0)", "v") })
        // HEADERS without END_HEADERS, then the rest one byte per CONTINUATION.
        var bytes = C.frameBytes(type: C.FrameType.headers, flags: 0x1, stream: 1, payload: [block[0]])
        for byte in block.dropFirst() {
            bytes += C.frameBytes(type: C.FrameType.continuation, flags: 0, stream: 1, payload: [byte])
        }
        try? await client.send(bytes)
        let goAway = try #require(await client.goAway())
        #expect(goAway.errorCode != C.ErrorCode.noError)
        #expect(await client.waitForClose())
        #expect(backend.requests.elements.isEmpty)
        await client.close()
        await proxy.stop()
        await backend.close()
    }
}
