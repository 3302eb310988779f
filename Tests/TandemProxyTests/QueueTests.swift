import Testing

/// Overload protection: `max_connections` per server, the bounded per-backend queue and its 503s.
@Suite("Queueing and overload end to end", .timeLimit(.minutes(1)))
struct QueueTests {
    static func sendSlow(_ proxy: TestProxy, _ index: Int) async throws -> RawConnection {
        let client = try await proxy.connect()
        try await client.send("GET /slow/\(index) HTTP/1.1\r\nHost: test.local\r\n\r\n")
        return client
    }

    /// Ten concurrent slow requests on two servers with `max_connections: 1`: never more than one at a time
    /// on a server, and every request eventually succeeds through the queue.
    @Test func queuedRequestsAllSucceedWithinTheLimit() async throws {
        let script = BackendScript(slowDelay: .milliseconds(100))
        let backends = [
            try await TestBackend(name: "a", behaviour: .scripted(script)),
            try await TestBackend(name: "b", behaviour: .scripted(script)),
        ]
        let proxy = try await TestProxy.start(
            backends: [
                BackendSpec(
                    ports: backends.map(\.port),
                    extra: ["max_connections: 1", "max_queue: 20", "queue_timeout: 10s"]
                )
            ]
        )
        var clients: [RawConnection] = []
        for index in 0..<10 { clients.append(try await Self.sendSlow(proxy, index)) }
        #expect(await eventually { proxy.server.queuedRequests(backend: "app") ?? 0 > 0 })
        for client in clients {
            let response = try await client.readResponse(timeout: .seconds(10))
            #expect(response.status == 200)
            await client.close()
        }
        #expect(backends.map(\.gauge.peak) == [1, 1])
        #expect(backends.map(\.requests.count).reduce(0, +) == 10)
        #expect(proxy.server.queuedRequests(backend: "app") == 0)
        #expect(proxy.server.serverStatuses().allSatisfy { $0.inFlight == 0 })
        await proxy.stop()
        for backend in backends { await backend.close() }
    }

    /// With both slots taken and the queue full, the next request gets 503 with Retry-After at once.
    @Test func fullQueueAnswers503WithRetryAfter() async throws {
        let script = BackendScript(slowDelay: .seconds(1))
        let backends = [
            try await TestBackend(name: "a", behaviour: .scripted(script)),
            try await TestBackend(name: "b", behaviour: .scripted(script)),
        ]
        let proxy = try await TestProxy.start(
            backends: [
                BackendSpec(
                    ports: backends.map(\.port),
                    extra: ["max_connections: 1", "max_queue: 2", "queue_timeout: 10s"]
                )
            ]
        )
        var clients: [RawConnection] = []
        for index in 0..<2 { clients.append(try await Self.sendSlow(proxy, index)) }
        #expect(await eventually { backends.allSatisfy { $0.gauge.current == 1 } })
        for index in 2..<4 { clients.append(try await Self.sendSlow(proxy, index)) }
        #expect(await eventually { proxy.server.queuedRequests(backend: "app") == 2 })

        let started = ContinuousClock.now
        let overflow = try await proxy.getOnce("/slow/overflow")
        #expect(ContinuousClock.now - started < .milliseconds(500))
        #expect(overflow.status == 503)
        #expect(overflow.header("retry-after") == "1")
        #expect(overflow.bodyText.contains("queue is full"))

        for client in clients {
            #expect(try await client.readResponse(timeout: .seconds(10)).status == 200)
            await client.close()
        }
        #expect(backends.map(\.gauge.peak) == [1, 1])
        await proxy.stop()
        for backend in backends { await backend.close() }
    }

    /// A request that waits `queue_timeout` without a free slot gets 503 with Retry-After; the request
    /// holding the slot still finishes.
    @Test func queueTimeoutAnswers503() async throws {
        let script = BackendScript(slowDelay: .milliseconds(1500))
        let only = try await TestBackend(name: "only", behaviour: .scripted(script))
        let proxy = try await TestProxy.start(
            backends: [
                BackendSpec(
                    ports: [only.port],
                    extra: ["max_connections: 1", "max_queue: 5", "queue_timeout: 200ms"]
                )
            ]
        )
        let holder = try await Self.sendSlow(proxy, 0)
        #expect(await only.requests.wait(forCount: 1))
        let started = ContinuousClock.now
        let waiter = try await proxy.getOnce("/fast")
        let waited = ContinuousClock.now - started
        #expect(waiter.status == 503)
        #expect(waiter.header("retry-after") == "1")
        #expect(waiter.bodyText.contains("free connection slot within 200ms"))
        #expect(waited >= .milliseconds(180) && waited < .seconds(1), "waited \(waited)")
        #expect(proxy.server.queuedRequests(backend: "app") == 0)
        #expect(try await holder.readResponse().status == 200)
        #expect(only.requests.count == 1)
        await holder.close()
        await proxy.stop()
        await only.close()
    }

    /// A client that leaves while queued frees its place; the slot it would have got goes to the next one.
    @Test func clientLeavingTheQueueIsForgotten() async throws {
        let script = BackendScript(slowDelay: .milliseconds(300))
        let only = try await TestBackend(name: "only", behaviour: .scripted(script))
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [only.port], extra: ["max_connections: 1", "max_queue: 5", "queue_timeout: 5s"])]
        )
        let holder = try await Self.sendSlow(proxy, 0)
        #expect(await only.requests.wait(forCount: 1))
        let leaver = try await Self.sendSlow(proxy, 1)
        #expect(await eventually { proxy.server.queuedRequests(backend: "app") == 1 })
        await leaver.close()
        #expect(await eventually { proxy.server.queuedRequests(backend: "app") == 0 })
        let stayer = try await Self.sendSlow(proxy, 2)
        #expect(try await holder.readResponse().status == 200)
        #expect(try await stayer.readResponse().status == 200)
        #expect(only.requests.elements.map(\.uri) == ["/slow/0", "/slow/2"])
        #expect(proxy.server.serverStatuses()[0].inFlight == 0)
        await holder.close()
        await stayer.close()
        await proxy.stop()
        await only.close()
    }

    /// Without `max_queue` room (0), a full backend answers 503 at once.
    @Test func noQueueAnswers503AtOnce() async throws {
        let script = BackendScript(slowDelay: .seconds(1))
        let only = try await TestBackend(name: "only", behaviour: .scripted(script))
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [only.port], extra: ["max_connections: 1", "max_queue: 0"])]
        )
        let holder = try await Self.sendSlow(proxy, 0)
        #expect(await only.requests.wait(forCount: 1))
        let response = try await proxy.getOnce()
        #expect(response.status == 503)
        #expect(response.header("retry-after") == "1")
        #expect(try await holder.readResponse().status == 200)
        await holder.close()
        await proxy.stop()
        await only.close()
    }
}
