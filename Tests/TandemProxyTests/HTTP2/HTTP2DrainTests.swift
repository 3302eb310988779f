import NIOCore
import NIOPosix
import Testing

/// Drain and the keep-alive wind-down of a planned failover, for HTTP/2 connections: GOAWAY, the open streams
/// finish, then the connection closes; and backpressure from a server that does not read.
@Suite("HTTP/2 drain and backpressure", .serialized, .timeLimit(.minutes(1)))
struct HTTP2DrainTests {
    typealias C = H2FrameClient

    /// Graceful shutdown sends GOAWAY naming the open stream, which still gets its whole response.
    @Test func drainSendsGoAwayAndFinishesOpenStreams() async throws {
        let backend = try await TestBackend(name: "slow", behaviour: .answerNameAfter(.milliseconds(400)))
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [backend.port])], frontend: ["h2c: true"])
        let client = try await C.connect(to: proxy)
        try await client.send(client.headersFrame(stream: 1, C.get("/slow"), endStream: true))
        #expect(await eventually { backend.requests.elements.count == 1 })
        async let stopped: Void = proxy.stop()
        let goAway = try #require(await client.goAway())
        #expect(goAway.errorCode == C.ErrorCode.noError)
        #expect(goAway.lastStreamID == 1)
        let response = try await client.response(stream: 1)
        #expect(response.status == 200)
        #expect(response.bodyText == "slow")
        #expect(await client.waitForClose())
        await stopped
        await client.close()
        await backend.close()
    }

    /// The wind-down of `tandem failover` sends GOAWAY to an idle h2 connection and closes it.
    @Test func keepAliveWindDownClosesIdleConnections() async throws {
        let backend = try await TestBackend(name: "b1")
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [backend.port])], frontend: ["h2c: true"])
        let client = try await C.connect(to: proxy)
        #expect(try await client.request(stream: 1, C.get("/")).status == 200)
        #expect(proxy.server.windDownKeepAlive(true) == 1)
        let goAway = try #require(await client.goAway())
        #expect(goAway.errorCode == C.ErrorCode.noError)
        #expect(await client.waitForClose())
        proxy.server.windDownKeepAlive(false)
        await client.close()
        await proxy.stop()
        await backend.close()
    }

    /// A server that never reads: the client's upload stops at the stream's window plus what the proxy's bounded
    /// write buffer and the kernel hold, far below the 64 MiB it tries to send.
    @Test func uploadToAServerThatDoesNotReadIsBounded() async throws {
        let sink = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelOption(.autoRead, value: false)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(sink.localAddress?.port)
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [port], extra: ["timeouts: { response: 30s }"])],
            frontend: ["h2c: true"]
        )
        let client = try await C.connect(to: proxy)
        let size = 64 << 20
        try await client.send(
            client.headersFrame(
                stream: 1,
                C.get("/up", method: "POST") + [("content-length", String(size))],
                endStream: false
            )
        )
        var streamWindow = 65535
        var connectionWindow = 65535
        var sent = 0
        let chunk = [UInt8](repeating: 0x75, count: 16384)
        while sent < size {
            let allowed = min(streamWindow, connectionWindow, chunk.count, size - sent)
            if allowed > 0 {
                try await client.send(C.dataFrame(stream: 1, Array(chunk.prefix(allowed)), endStream: false))
                sent += allowed
                streamWindow -= allowed
                connectionWindow -= allowed
                continue
            }
            // Out of window: wait up to 1 s for the proxy to open it again.
            guard let update = await client.frame(timeout: .seconds(1), where: { $0.type == C.FrameType.windowUpdate })
            else { break }
            let increment = Int(C.Frame.uint32(update.payload, at: 0) & 0x7FFF_FFFF)
            if update.stream == 0 { connectionWindow += increment } else { streamWindow += increment }
        }
        #expect(sent < 24 << 20, "the proxy took \(sent >> 20) MiB from a client whose server reads nothing")
        await client.close()
        await proxy.stop()
        try? await sink.close()
    }
}
