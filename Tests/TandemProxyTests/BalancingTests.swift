import Testing

@Suite("Balancing end to end", .timeLimit(.minutes(1)))
struct BalancingTests {
    @Test func roundRobinAlternatesExactlyOverThreeBackends() async throws {
        let backends = [
            try await TestBackend(name: "a"), try await TestBackend(name: "b"), try await TestBackend(name: "c"),
        ]
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: backends.map(\.port))])
        let client = try await proxy.connect()
        var served: [String] = []
        for _ in 0..<30 {
            let response = try await client.get()
            #expect(response.status == 200)
            served.append(response.bodyText)
        }
        #expect(Set(served.prefix(3)) == ["a", "b", "c"])
        for (index, name) in served.enumerated() {
            #expect(name == served[index % 3], "request \(index)")
        }
        for backend in backends { #expect(backend.requests.count == 10) }
        await client.close()
        await proxy.stop()
        for backend in backends { await backend.close() }
    }

    @Test func weightsAreHonouredExactly() async throws {
        let heavy = try await TestBackend(name: "heavy")
        let light = try await TestBackend(name: "light")
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(servers: [(heavy.port, 3), (light.port, 1)])]
        )
        let client = try await proxy.connect()
        var served: [String] = []
        for _ in 0..<40 {
            let response = try await client.get()
            #expect(response.status == 200)
            served.append(response.bodyText)
        }
        #expect(served.count { $0 == "heavy" } == 30)
        #expect(served.count { $0 == "light" } == 10)
        // Smooth weighted round robin: every cycle of four picks holds exactly one "light", never a burst.
        for cycle in stride(from: 0, to: 40, by: 4) {
            #expect(served[cycle..<cycle + 4].count { $0 == "light" } == 1, "cycle at \(cycle)")
        }
        await client.close()
        await proxy.stop()
        await heavy.close()
        await light.close()
    }

    @Test func keepAliveReusesBackendConnections() async throws {
        let backend = try await TestBackend(name: "only")
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [backend.port])])
        let client = try await proxy.connect()
        for index in 0..<50 {
            let response = try await client.get("/item/\(index)")
            #expect(response.status == 200)
            #expect(!response.closesConnection)
        }
        #expect(backend.requests.count == 50)
        #expect(backend.acceptedConnections >= 1)
        #expect(backend.acceptedConnections <= 2)
        await client.close()
        await proxy.stop()
        await backend.close()
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        let backend = try await TestBackend(name: "only")
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [backend.port])])
        let client = try await proxy.connect()
        try await client.send(
            "GET /one HTTP/1.1\r\nHost: test.local\r\n\r\n"
                + "POST /two HTTP/1.1\r\nHost: test.local\r\nContent-Length: 3\r\n\r\nabc"
                + "GET /three HTTP/1.1\r\nHost: test.local\r\n\r\n"
        )
        for _ in 0..<3 {
            #expect(try await client.readResponse().status == 200)
        }
        #expect(backend.requests.elements.map(\.uri) == ["/one", "/two", "/three"])
        await client.close()
        await proxy.stop()
        await backend.close()
    }
}
