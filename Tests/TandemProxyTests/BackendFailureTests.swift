import Testing

@Suite("Backend failures", .timeLimit(.minutes(1)))
struct BackendFailureTests {
    @Test func refusedServerIsRetriedOnAnotherTransparently() async throws {
        let alive = try await TestBackend(name: "alive")
        let closedPort = try refusingLoopbackPort()
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [closedPort, alive.port])])
        for _ in 0..<6 {
            let client = try await proxy.connect()
            let response = try await client.get()
            #expect(response.status == 200)
            #expect(response.bodyText == "alive")
            await client.close()
        }
        #expect(alive.requests.count == 6)
        await proxy.stop()
        await alive.close()
    }

    @Test func allServersRefusedGives502WithABody() async throws {
        let ports = [try refusingLoopbackPort(), try refusingLoopbackPort()]
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: ports)])
        let client = try await proxy.connect()
        let response = try await client.get()
        #expect(response.status == 502)
        #expect(response.bodyText.hasPrefix("502"))
        // The client connection itself is fine: a second request gets the same honest answer.
        #expect(try await client.get().status == 502)
        await client.close()
        await proxy.stop()
    }

    @Test func serverClosingBeforeAnsweringAGetIsRetriedOnTheOther() async throws {
        let flaky = try await TestBackend(name: "flaky", behaviour: .closeOnHead)
        let good = try await TestBackend(name: "good")
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [flaky.port, good.port])])
        for _ in 0..<4 {
            let client = try await proxy.connect()
            let response = try await client.get()
            #expect(response.status == 200)
            #expect(response.bodyText == "good")
            await client.close()
        }
        #expect(flaky.requests.count >= 1, "the flaky server was never tried, so nothing was retried")
        #expect(good.requests.count == 4)
        await proxy.stop()
        await flaky.close()
        await good.close()
    }

    @Test func postWhoseBodyWasSentIsNotRetried() async throws {
        let dying = try await TestBackend(name: "dying", behaviour: .closeOnEnd)
        let good = try await TestBackend(name: "good")
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [dying.port, good.port])])
        var statuses: [Int] = []
        for _ in 0..<2 {
            let client = try await proxy.connect()
            try await client.send("POST /order HTTP/1.1\r\nHost: test.local\r\nContent-Length: 11\r\n\r\nhello world")
            let response = try await client.readResponse()
            statuses.append(response.status)
            if response.status == 502 { #expect(response.bodyText.hasPrefix("502")) }
            await client.close()
        }
        #expect(statuses.sorted() == [200, 502])
        #expect(dying.requests.count == 1)
        #expect(good.requests.count == 1, "the POST that died was replayed on the other server")
        await proxy.stop()
        await dying.close()
        await good.close()
    }

    @Test func responseTimeoutGives504() async throws {
        let silent = try await TestBackend(name: "silent", behaviour: .neverAnswer)
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [silent.port], extra: ["timeouts: { response: 300ms }"])]
        )
        let client = try await proxy.connect()
        let started = ContinuousClock.now
        let response = try await client.get(timeout: .seconds(5))
        let elapsed = ContinuousClock.now - started
        #expect(response.status == 504)
        #expect(response.bodyText.hasPrefix("504"))
        #expect(elapsed >= .milliseconds(250))
        #expect(elapsed < .seconds(3))
        #expect(silent.requests.count == 1, "a timed-out request must not be replayed")
        await client.close()
        await proxy.stop()
        await silent.close()
    }

    @Test func serverKilledMidResponseGivesACleanCloseOr502() async throws {
        let dying = try await TestBackend(name: "dying", behaviour: .dieMidResponse(declared: 10_000, sent: 5_000))
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [dying.port])])
        let client = try await proxy.connect()
        try await client.send("GET /big HTTP/1.1\r\nHost: test.local\r\n\r\n")
        let response = try await client.readResponse(timeout: .seconds(5))
        if response.status == 200 {
            #expect(response.truncated)
            #expect(response.bodyCount < 10_000)
            #expect(client.sawClose)
        } else {
            #expect(response.status == 502)
        }
        #expect(await client.waitForClose(timeout: .seconds(3)))
        await client.close()
        await proxy.stop()
        await dying.close()
    }
}
