import NIOCore
import Testing

@Suite("Graceful shutdown", .timeLimit(.minutes(1)))
struct GracefulShutdownTests {
    @Test func inFlightSlowRequestCompletesWhileDrainingThenTheListenerIsGone() async throws {
        let slow = try await TestBackend(name: "slow", behaviour: .answerNameAfter(.milliseconds(500)))
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [slow.port])], drainTimeout: "5s")
        let client = try await proxy.connect()
        try await client.send("GET /slow HTTP/1.1\r\nHost: test.local\r\n\r\n")
        #expect(await slow.requests.wait(forCount: 1))

        let drainStarted = ContinuousClock.now
        let drain = Task { await proxy.stop() }
        let response = try await client.readResponse(timeout: .seconds(5))
        #expect(response.status == 200)
        #expect(response.bodyText == "slow")
        #expect(response.closesConnection, "a draining proxy tells the client to go")
        #expect(await client.waitForClose(timeout: .seconds(3)))
        try await withTimeout(.seconds(5)) { await drain.value }
        #expect(ContinuousClock.now - drainStarted < .seconds(4), "drain waited for its deadline")

        await #expect(throws: (any Error).self) {
            let late = try await RawConnection.connect(to: proxy.address)
            await late.close()
        }
        await client.close()
        await slow.close()
    }

    @Test func drainClosesIdleKeepAliveClients() async throws {
        let backend = try await TestBackend(name: "app")
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [backend.port])], drainTimeout: "5s")
        let client = try await proxy.connect()
        #expect(try await client.get().status == 200)
        let drainStarted = ContinuousClock.now
        await proxy.stop()
        #expect(ContinuousClock.now - drainStarted < .seconds(4))
        #expect(await client.waitForClose(timeout: .seconds(3)))
        await client.close()
        await backend.close()
    }
}
