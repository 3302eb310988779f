import NIOCore
import Testing

/// The drain window of a planned handover (`tandem failover`): keep-alive clients are moved off before the
/// VIP moves, and requests in flight finish.
@Suite("Keep-alive wind-down", .timeLimit(.minutes(1)))
struct KeepAliveWindDownTests {
    @Test func idleConnectionsCloseAndResponsesCarryConnectionClose() async throws {
        let backend = try await TestBackend(name: "app")
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [backend.port])])
        let idle = try await proxy.connect()
        let first = try await idle.get()
        #expect(first.status == 200)
        #expect(!first.closesConnection)

        let asked = proxy.server.windDownKeepAlive(true)
        #expect(asked == 1)
        // The idle keep-alive connection is closed at once, without a response.
        #expect(await idle.waitForClose(timeout: .seconds(2)))

        // A new connection during the window is served, once, with Connection: close.
        let during = try await proxy.connect()
        let response = try await during.get()
        #expect(response.status == 200)
        #expect(response.closesConnection)
        #expect(await during.waitForClose(timeout: .seconds(2)))

        // After the window keep-alive is back.
        proxy.server.windDownKeepAlive(false)
        let after = try await proxy.connect()
        #expect(try await after.get().closesConnection == false)
        #expect(try await after.get().status == 200)
        await after.close()
        await proxy.stop()
        await backend.close()
    }

    @Test func requestInFlightFinishesThenItsConnectionCloses() async throws {
        let backend = try await TestBackend(name: "slow", behaviour: .answerNameAfter(.milliseconds(500)))
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [backend.port])])
        let busy = try await proxy.connect()
        try await busy.send("GET / HTTP/1.1\r\nHost: test.local\r\n\r\n")
        #expect(await backend.requests.wait(forCount: 1, timeout: .seconds(2)))
        #expect(proxy.server.windDownKeepAlive(true) == 1)
        let response = try await busy.readResponse(timeout: .seconds(3))
        #expect(response.status == 200)
        #expect(response.bodyText == "slow")
        #expect(response.closesConnection)
        #expect(await busy.waitForClose(timeout: .seconds(2)))
        await proxy.stop()
        await backend.close()
    }
}
