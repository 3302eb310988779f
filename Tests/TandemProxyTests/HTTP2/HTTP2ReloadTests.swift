import NIOCore
import TandemConfig
import Testing

/// A reload that changes a frontend's HTTP/2 settings: new connections get the new ones at once, a connection
/// opened before keeps serving its streams on the old ones and is then sent GOAWAY, as HTTP/1.1 keep-alive
/// connections are asked to close after their next response.
@Suite("HTTP/2 reload", .timeLimit(.minutes(1)))
struct HTTP2ReloadTests {
    private typealias C = H2FrameClient

    private static func reload(_ proxy: TestProxy, backend: TestBackend, frontend: [String]) async throws {
        let yaml = TestProxy.configuration(
            port: try #require(proxy.address.port),
            backends: [BackendSpec(ports: [backend.port])],
            frontend: frontend,
            drainTimeout: "2s"
        )
        _ = try await proxy.server.reload(to: try ConfigLoader.parse(yaml: yaml, file: "test.yaml"))
    }

    /// h2c off → on with a stream limit of 3 → limit 5 → off, each reload on the same listening port.
    @Test func h2SettingsChangeWithoutARestart() async throws {
        let backend = try await TestBackend(name: "b1")
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [backend.port])])

        // Off: the preface is an HTTP/1.1 request the engine refuses.
        let refused = try await proxy.connect()
        try await refused.send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        let answer = await refused.readUntilClose(timeout: .seconds(5))
        #expect(String(decoding: answer.bytes, as: UTF8.self).hasPrefix("HTTP/1.1 4"))
        await refused.close()

        try await Self.reload(proxy, backend: backend, frontend: ["h2c: true", "h2: { max_concurrent_streams: 3 }"])
        let first = try await C.connect(to: proxy)
        #expect(await first.advertisedSetting(0x3) == 3)
        #expect(try await first.request(stream: 1, C.get("/one")).status == 200)

        try await Self.reload(proxy, backend: backend, frontend: ["h2c: true", "h2: { max_concurrent_streams: 5 }"])
        let second = try await C.connect(to: proxy)
        #expect(await second.advertisedSetting(0x3) == 5)
        #expect(try await second.request(stream: 1, C.get("/two")).status == 200)
        // The connection from before the reload still serves a stream, then is told to go.
        #expect(try await first.request(stream: 3, C.get("/one-more")).status == 200)
        let goAway = try #require(await first.goAway(timeout: .seconds(5)))
        #expect(goAway.errorCode == C.ErrorCode.noError)
        #expect(await first.waitForClose(timeout: .seconds(5)))

        try await Self.reload(proxy, backend: backend, frontend: [])
        let plain = try await proxy.getOnce("/plain")
        #expect(plain.status == 200)
        let refusedAgain = try await proxy.connect()
        try await refusedAgain.send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        let again = await refusedAgain.readUntilClose(timeout: .seconds(5))
        #expect(String(decoding: again.bytes, as: UTF8.self).hasPrefix("HTTP/1.1 4"))
        await refusedAgain.close()

        #expect(backend.requests.elements.map(\.uri) == ["/one", "/two", "/one-more", "/plain"])
        await first.close()
        await second.close()
        await proxy.stop()
        await backend.close()
    }
}
