import NIOCore
import NIOPosix
import Testing

/// HTTP/2 from clients through a real proxy on loopback, with the frame-level client: h2c by prior knowledge, each
/// stream one exchange through the HTTP/1.1 engine, bodies both ways, and the HTTP/1.1 path unchanged beside it.
@Suite("HTTP/2 streams", .serialized, .timeLimit(.minutes(1)))
struct HTTP2ProxyTests {
    /// A GET over h2c reaches the backend as HTTP/1.1 with Host from :authority, and comes back as HEADERS + DATA.
    @Test func priorKnowledgeGetIsProxied() async throws {
        let backend = try await TestBackend(name: "b1")
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [backend.port])], frontend: ["h2c: true"])
        let client = try await H2FrameClient.connect(to: proxy)
        let response = try await client.request(stream: 1, H2FrameClient.get("/hello"))
        #expect(response.status == 200)
        #expect(response.bodyText == "b1")
        #expect(response.header("connection") == nil)
        let head = try #require(backend.requests.elements.first)
        #expect(head.uri == "/hello")
        #expect(head.headers["host"] == ["test.local"])
        #expect(head.version == .http1_1)
        await client.close()
        await proxy.stop()
        await backend.close()
    }

    /// HTTP/1.1 keeps working on a frontend with h2c on, and a frontend without it refuses the preface.
    @Test func http1StillServedAndPrefaceRefusedWithoutH2C() async throws {
        let backend = try await TestBackend(name: "b1")
        let h2c = try await TestProxy.start(backends: [BackendSpec(ports: [backend.port])], frontend: ["h2c: true"])
        let response = try await h2c.getOnce("/")
        #expect(response.status == 200)
        await h2c.stop()

        let plain = try await TestProxy.start(backends: [BackendSpec(ports: [backend.port])])
        let client = try await plain.connect()
        try await client.send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        let refused = await client.readUntilClose(timeout: .seconds(5))
        #expect(String(decoding: refused.bytes, as: UTF8.self).hasPrefix("HTTP/1.1 4"))
        await client.close()
        await plain.stop()
        await backend.close()
    }

    /// Many streams at once on one connection each become one exchange, all answered.
    @Test func concurrentStreamsOnOneConnection() async throws {
        let backend = try await TestBackend(name: "b1")
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [backend.port])], frontend: ["h2c: true"])
        let client = try await H2FrameClient.connect(to: proxy)
        let streams: [UInt32] = (0..<20).map { 1 + 2 * $0 }
        var bytes: [UInt8] = []
        for stream in streams {
            bytes += client.headersFrame(stream: stream, H2FrameClient.get("/s\(stream)"), endStream: true)
        }
        try await client.send(bytes)
        for stream in streams {
            let response = try await client.response(stream: stream)
            #expect(response.status == 200, "stream \(stream)")
            #expect(response.bodyText == "b1")
        }
        #expect(backend.requests.elements.count == 20)
        await client.close()
        await proxy.stop()
        await backend.close()
    }

    /// A chunked response with trailers (chunk extensions, size lines and the trailer section split across reads, a
    /// chunk larger than the stream's window) comes back as
    /// DATA frames with the decoded body and a trailing HEADERS with the trailer fields, lower-cased; neither the
    /// head nor the trailers keep a connection-specific field. Without trailers the last DATA ends the stream.
    @Test(arguments: [true, false])
    func chunkedResponseWithTrailers(withTrailers: Bool) async throws {
        let head =
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum, X-Other\r\n"
            + "Connection: keep-alive, X-Hop\r\nKeep-Alive: timeout=5\r\nX-Hop: 1\r\nX-Custom: yes\r\n\r\n"
        let end =
            withTrailers
            ? ["0\r\nX-Checksum: abc123\r\nX-Oth", "er:  two \r\nConnection: close\r\n\r\n"] : ["0\r\n\r\n"]
        // Twice the stream's window: the trailers wait behind DATA the client has to open the window for.
        let big = String(repeating: "x", count: 0x20000)
        let server = try await TestTCPServer(
            .answerHTTPInPieces(
                [head, "5\r\nhel", "lo\r\n", "6;e", "xt=1\r\n wor", "ld\r", "\n2", "0000\r\n", big + "\r\n"] + end
            )
        )
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [server.port])], frontend: ["h2c: true"])
        let client = try await H2FrameClient.connect(to: proxy)
        try await client.send(client.headersFrame(stream: 1, H2FrameClient.get("/chunked"), endStream: true))
        var frames: [H2FrameClient.Frame] = []
        while let frame = await client.frame(timeout: .seconds(5), where: { $0.stream == 1 }) {
            frames.append(frame)
            if frame.type == H2FrameClient.FrameType.data {
                try await client.windowUpdate(stream: 1, increment: frame.payload.count)
            }
            if frame.endStream || frame.type == H2FrameClient.FrameType.rstStream { break }
        }
        let headers = try #require(frames.first { $0.type == H2FrameClient.FrameType.headers }?.fields)
        #expect(headers.first { $0.0 == ":status" }?.1 == "200")
        #expect(headers.first { $0.0 == "x-custom" }?.1 == "yes")
        let names = Set(headers.map(\.0))
        for name in ["transfer-encoding", "connection", "keep-alive", "trailer", "x-hop"] {
            #expect(!names.contains(name), "no \(name) in the response head")
        }
        let data = frames.filter { $0.type == H2FrameClient.FrameType.data }
        #expect(data.count >= 2, "the body came as it arrived, in more than one DATA frame")
        #expect(String(decoding: data.flatMap(\.payload), as: UTF8.self) == "hello world" + big)
        let last = try #require(frames.last)
        #expect(last.endStream)
        #expect(frames.allSatisfy { $0.type != H2FrameClient.FrameType.rstStream })
        if withTrailers {
            #expect(last.type == H2FrameClient.FrameType.headers)
            let trailers = try #require(last.fields)
            #expect(trailers.map(\.0) == ["x-checksum", "x-other"])
            #expect(trailers.first { $0.0 == "x-checksum" }?.1 == "abc123")
            #expect(trailers.first { $0.0 == "x-other" }?.1 == "two")
        } else {
            #expect(last.type == H2FrameClient.FrameType.data)
        }
        await client.close()
        await proxy.stop()
        await server.close()
    }

    /// A body with content-length passes as it is; one without is chunked to the backend, trailers included.
    @Test func requestBodiesWithAndWithoutLength() async throws {
        let backend = try await TestBackend(name: "sink", behaviour: .countBody)
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [backend.port])], frontend: ["h2c: true"])
        let client = try await H2FrameClient.connect(to: proxy)
        var fields = H2FrameClient.get("/upload", method: "POST")
        let sized = try await client.request(stream: 1, fields + [("content-length", "5")], body: Array("hello".utf8))
        #expect(sized.status == 200)
        #expect(sized.bodyText == "5")

        fields = H2FrameClient.get("/chunks", method: "POST")
        try await client.send(
            client.headersFrame(stream: 3, fields, endStream: false)
                + H2FrameClient.dataFrame(stream: 3, Array(repeating: 0x61, count: 1000), endStream: false)
                + H2FrameClient.dataFrame(stream: 3, Array(repeating: 0x62, count: 234), endStream: false)
                + client.headersFrame(stream: 3, [("x-checksum", "abc")], endStream: true)
        )
        let chunked = try await client.response(stream: 3)
        #expect(chunked.status == 200)
        #expect(chunked.bodyText == "1234")
        let heads = backend.requests.elements
        #expect(heads.count == 2)
        #expect(heads.last?.headers["transfer-encoding"] == ["chunked"])
        #expect(heads.first?.headers["content-length"] == ["5"])
        await client.close()
        await proxy.stop()
        await backend.close()
    }

    /// `:authority` and a different `host` are refused with 400 by the engine's Host rules; an equal one is fine.
    @Test func authorityHostMismatchIsRefused() async throws {
        let backend = try await TestBackend(name: "b1")
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [backend.port])], frontend: ["h2c: true"])
        let client = try await H2FrameClient.connect(to: proxy)
        let same = try await client.request(stream: 1, H2FrameClient.get("/") + [("host", "TEST.local")])
        #expect(same.status == 200)
        let client2 = try await H2FrameClient.connect(to: proxy)
        let other = try await client2.request(stream: 1, H2FrameClient.get("/") + [("host", "evil.example")])
        #expect(other.status == 400)
        #expect(backend.requests.elements.count == 1)
        await client.close()
        await client2.close()
        await proxy.stop()
        await backend.close()
    }

    /// A large download streams through the client's flow-control window.
    @Test func largeDownloadRespectsWindows() async throws {
        let size = 4 << 20
        let backend = try await TestBackend(name: "source", behaviour: .generateBody(bytes: size))
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [backend.port])], frontend: ["h2c: true"])
        let client = try await H2FrameClient.connect(to: proxy)
        let response = try await client.request(stream: 1, H2FrameClient.get("/big"), timeout: .seconds(30))
        #expect(response.status == 200)
        #expect(response.body.count == size)
        await client.close()
        await proxy.stop()
        await backend.close()
    }
}
