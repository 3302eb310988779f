import NIOCore
import Testing

/// Clients and servers that stall, flood or change protocol: every one is cut off on a limit, and nothing it
/// leaves behind reaches another user (issue 11, items 3 to 6).
@Suite("Hostile clients and servers", .timeLimit(.minutes(1)))
struct HostileClientTests {
    /// A body that stops half-way gets 408 at `timeouts.client`, and the server slot it held goes to the next
    /// request.
    @Test func aStalledBodyGets408AndFreesItsServerSlot() async throws {
        let backend = try await TestBackend(name: "app", behaviour: .countBody)
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [backend.port], extra: ["max_connections: 1", "queue_timeout: 5s"])],
            frontend: ["timeouts: { client: 400ms }"]
        )
        let stalled = try await proxy.connect()
        try await stalled.send("POST /upload HTTP/1.1\r\nHost: test.local\r\nContent-Length: 10\r\n\r\nabc")
        #expect(await eventually { backend.requests.count == 1 })
        let started = ContinuousClock.now
        let queued = try await proxy.connect()
        try await queued.send("POST /other HTTP/1.1\r\nHost: test.local\r\nContent-Length: 2\r\n\r\nok")
        let cut = try await stalled.readResponse(timeout: .seconds(3))
        #expect(cut.status == 408)
        #expect(cut.closesConnection)
        #expect(cut.bodyText.hasPrefix("408"))
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(await stalled.waitForClose(timeout: .seconds(2)))
        let served = try await queued.readResponse(timeout: .seconds(3))
        #expect(served.status == 200)
        #expect(served.bodyText == "2")
        await queued.close()
        await proxy.stop()
        await backend.close()
    }

    /// Once the response has begun a 408 cannot be said: a body that stalls then only closes the connection.
    @Test func aBodyStallAfterTheResponseBeganCloses() async throws {
        let backend = try await TestBackend(name: "app", behaviour: .headEarlyBodyAtEnd)
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [backend.port])],
            frontend: ["timeouts: { client: 300ms }"]
        )
        let client = try await proxy.connect()
        let started = ContinuousClock.now
        try await client.send("POST / HTTP/1.1\r\nHost: test.local\r\nContent-Length: 10\r\n\r\nabc")
        let (bytes, closed) = await client.readUntilClose(timeout: .seconds(3))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(closed)
        #expect(ContinuousClock.now - started >= .milliseconds(250))
        #expect(text.hasPrefix("HTTP/1.1 200"), "the response head went out before the stall")
        #expect(!text.contains("408"), "nothing may follow a response that began")
        await proxy.stop()
        await backend.close()
    }

    /// A server that sends its head and then nothing is cut at its response timeout and counted as failing
    /// (here: ejected after one failure).
    @Test func aResponseStalledAfterItsHeadIsCutAndCountsAgainstTheServer() async throws {
        let backend = try await TestBackend(name: "app", behaviour: .stallMidResponse(declared: 1000, sent: 10))
        let spare = try await TestBackend(name: "spare")
        let proxy = try await TestProxy.start(backends: [
            BackendSpec(
                ports: [backend.port, spare.port],
                extra: [
                    "timeouts: { response: 300ms }",
                    "outlier: { consecutive_failures: 1, base_ejection: 30s, max_ejection: 60s }",
                ]
            )
        ])
        let client = try await proxy.connect()
        let started = ContinuousClock.now
        let response = try await client.get(timeout: .seconds(3))
        #expect(response.status == 200)
        #expect(response.truncated)
        #expect(response.bodyCount == 10)
        #expect(ContinuousClock.now - started < .seconds(2))
        let stalledServer = proxy.server.serverStatuses().first { $0.server == "app0" }
        #expect(stalledServer?.isEjected == true)
        #expect(stalledServer?.inFlight == 0)
        await proxy.stop()
        await backend.shutDown()
        await spare.close()
    }

    /// At `max_connections` the next client is not refused: it waits in the backlog and is served when a
    /// connection closes.
    @Test func connectionsBeyondTheLimitWaitInTheBacklog() async throws {
        let backend = try await TestBackend(name: "app")
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [backend.port])],
            frontend: ["limits: { max_connections: 2 }"]
        )
        let first = try await proxy.connect()
        let second = try await proxy.connect()
        #expect(try await first.get().status == 200)
        #expect(try await second.get().status == 200)
        let third = try await proxy.connect()
        try await third.send("GET / HTTP/1.1\r\nHost: test.local\r\n\r\n")
        await #expect(throws: RawConnection.Failure.self) {
            try await third.readResponse(timeout: .milliseconds(500))
        }
        #expect(backend.requests.count == 2)
        await first.close()
        let served = try await third.readResponse(timeout: .seconds(3))
        #expect(served.status == 200)
        #expect(try await second.get().status == 200)
        await second.close()
        await third.close()
        await proxy.stop()
        await backend.close()
    }

    /// The second of two pipelined requests is delivered while the first response is being written; its
    /// wait for the server must not be mistaken for an idle keep-alive connection.
    @Test func aPipelinedRequestKeepsItsTimers() async throws {
        let backend = try await TestBackend(name: "app", behaviour: .answerNameAfter(.milliseconds(600)))
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [backend.port])],
            frontend: ["timeouts: { keepalive: 250ms, header: 250ms }"]
        )
        let client = try await proxy.connect()
        let get = "GET / HTTP/1.1\r\nHost: test.local\r\n\r\n"
        try await client.send(get + get)
        let first = try await client.readResponse(timeout: .seconds(3))
        let second = try await client.readResponse(timeout: .seconds(3))
        #expect(first.status == 200)
        #expect(second.status == 200)
        #expect(second.bodyText == "app")
        await client.close()
        await proxy.stop()
        await backend.close()
    }

    /// A 101 nobody asked for leaves a connection that is no longer HTTP: 502, and that connection is dropped.
    @Test func anUnrequested101IsABadGatewayAndTheConnectionIsDropped() async throws {
        let backend = try await TestBackend(name: "app", behaviour: .switchProtocols)
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [backend.port])])
        let client = try await proxy.connect()
        let response = try await client.get(timeout: .seconds(3))
        #expect(response.status == 502)
        #expect(await eventually { backend.closedConnections.count == 1 })
        await client.close()
        await proxy.stop()
        await backend.close()
    }

    /// Only `100 Continue` is known to leave an HTTP/1.1 connection as it was: after any other interim response
    /// (here 103) the client still gets both, but the server connection is not reused.
    @Test func aConnectionThatSentAnInterimResponseIsNotPooled() async throws {
        let backend = try await TestBackend(name: "app", behaviour: .earlyHints)
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [backend.port])])
        let client = try await proxy.connect()
        for round in 1...2 {
            try await client.send("GET / HTTP/1.1\r\nHost: test.local\r\n\r\n")
            let hints = try await client.readResponse(timeout: .seconds(3))
            #expect(hints.status == 103)
            let response = try await client.readResponse(timeout: .seconds(3))
            #expect(response.status == 200)
            #expect(await eventually { backend.closedConnections.count == round })
        }
        #expect(backend.acceptedConnections == 2)
        await client.close()
        await proxy.stop()
        await backend.close()
    }

    /// A response that ends before its request did leaves request bytes in flight on that connection: it is
    /// closed, never pooled, and the next request opens a new one.
    @Test func aConnectionWhoseResponseEndedBeforeItsRequestIsNotPooled() async throws {
        let backend = try await TestBackend(name: "app", behaviour: .answerOnHead)
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [backend.port])])
        let client = try await proxy.connect()
        try await client.send("POST / HTTP/1.1\r\nHost: test.local\r\nContent-Length: 5\r\n\r\n")
        let early = try await client.readResponse(timeout: .seconds(3))
        #expect(early.status == 200)
        #expect(early.closesConnection)
        // The proxy may already have closed: the early response said so.
        try? await client.send("hello")
        #expect(await client.waitForClose(timeout: .seconds(3)))
        #expect(await eventually { backend.closedConnections.count == 1 })
        #expect(try await proxy.getOnce().status == 200)
        #expect(backend.acceptedConnections == 2)
        await proxy.stop()
        await backend.close()
    }

    /// A thousand clients that send a head and one body byte, against servers limited to ten requests at a time:
    /// each is cut at `timeouts.client`, whether it holds a slot or waits in the queue, and a normal client is
    /// served within a few seconds.
    @Test func aThousandSlowBodiesDoNotStarveANormalClient() async throws {
        let backend = try await TestBackend(name: "app", behaviour: .countBody)
        let proxy = try await TestProxy.start(
            backends: [
                BackendSpec(
                    ports: [backend.port],
                    extra: ["max_connections: 10", "max_queue: 2000", "queue_timeout: 20s"]
                )
            ],
            frontend: ["timeouts: { client: 1s }"]
        )
        var slow: [RawConnection] = []
        for _ in 0..<1000 {
            let connection = try await proxy.connect()
            try await connection.send("POST /slow HTTP/1.1\r\nHost: test.local\r\nContent-Length: 100\r\n\r\nx")
            slow.append(connection)
        }
        let started = ContinuousClock.now
        let normal = try await proxy.connect()
        let response = try await normal.get(timeout: .seconds(10))
        #expect(response.status == 200)
        #expect(ContinuousClock.now - started < .seconds(5))
        var timedOut = 0
        for connection in slow {
            if let cut = try? await connection.readResponse(timeout: .seconds(5)), cut.status == 408 { timedOut += 1 }
            await connection.close()
        }
        // Cut whether they held a slot or waited in the queue: a queued body is read (up to 64 KiB) and timed too.
        #expect(timedOut == 1000)
        await normal.close()
        await proxy.stop()
        await backend.shutDown()
    }
}
