import NIOCore
import Testing

/// Every `balance:` policy through the proxy, against real loopback backends.
@Suite("Balancing policies end to end", .timeLimit(.minutes(1)))
struct PolicyTests {
    /// Weighted random follows the weights, and a fixed seed gives the same sequence every time.
    @Test func randomFollowsWeightsAndIsReproducibleWithASeed() async throws {
        let heavy = try await TestBackend(name: "heavy")
        let light = try await TestBackend(name: "light")
        let spec = BackendSpec(servers: [(heavy.port, 3), (light.port, 1)], extra: ["balance: random"])
        var sequences: [[String]] = []
        for _ in 0..<2 {
            let proxy = try await TestProxy.start(backends: [spec], seed: 42)
            let client = try await proxy.connect()
            var served: [String] = []
            for _ in 0..<400 { served.append(try await client.get().bodyText) }
            sequences.append(served)
            await client.close()
            await proxy.stop()
        }
        #expect(sequences[0] == sequences[1])
        let heavyShare = Double(sequences[0].count { $0 == "heavy" }) / 400
        #expect(abs(heavyShare - 0.75) < 0.06, "heavy got \(heavyShare)")
        await heavy.close()
        await light.close()
    }

    /// Least connections sends each new request to the server with the fewest requests in flight.
    @Test func leastConnectionsBalancesRequestsInFlight() async throws {
        let script = BackendScript(slowDelay: .seconds(1))
        let backends = [
            try await TestBackend(name: "a", behaviour: .scripted(script)),
            try await TestBackend(name: "b", behaviour: .scripted(script)),
            try await TestBackend(name: "c", behaviour: .scripted(script)),
        ]
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: backends.map(\.port), extra: ["balance: least_connections"])]
        )
        // One fast request first puts the policy's tie-break cursor somewhere other than the start.
        #expect(try await proxy.getOnce().status == 200)
        var clients: [RawConnection] = []
        for index in 0..<6 {
            let client = try await proxy.connect()
            try await client.send("GET /slow/\(index) HTTP/1.1\r\nHost: test.local\r\n\r\n")
            clients.append(client)
            // Each request is in flight before the next is picked, so the counts are exact.
            let arrived = index + 1
            #expect(await eventually { backends.reduce(0) { $0 + $1.gauge.current } == arrived })
        }
        #expect(backends.map(\.gauge.current) == [2, 2, 2])
        for client in clients {
            #expect(try await client.readResponse().status == 200)
            await client.close()
        }
        await proxy.stop()
        for backend in backends { await backend.close() }
    }

    /// Power of two choices keeps the in-flight counts close even with random candidates.
    @Test func leastLoadedKeepsInFlightCountsClose() async throws {
        let script = BackendScript(slowDelay: .seconds(1))
        let backends = [
            try await TestBackend(name: "a", behaviour: .scripted(script)),
            try await TestBackend(name: "b", behaviour: .scripted(script)),
            try await TestBackend(name: "c", behaviour: .scripted(script)),
        ]
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: backends.map(\.port), extra: ["balance: least_loaded"])],
            seed: 7
        )
        var clients: [RawConnection] = []
        for index in 0..<30 {
            let client = try await proxy.connect()
            try await client.send("GET /slow/\(index) HTTP/1.1\r\nHost: test.local\r\n\r\n")
            clients.append(client)
            let arrived = index + 1
            #expect(await eventually { backends.reduce(0) { $0 + $1.gauge.current } == arrived })
        }
        let counts = backends.map(\.gauge.current)
        // Two choices bound the gap between the most and the least loaded server to a small constant.
        #expect(counts.max()! - counts.min()! <= 2, "in flight: \(counts)")
        for client in clients {
            #expect(try await client.readResponse().status == 200)
            await client.close()
        }
        await proxy.stop()
        for backend in backends { await backend.close() }
    }

    /// `source_hash` keys on the TCP peer address: each client address sticks to one server, and
    /// different addresses spread over all of them.
    @Test func sourceHashPinsEachClientAddress() async throws {
        let backends = [
            try await TestBackend(name: "a"), try await TestBackend(name: "b"), try await TestBackend(name: "c"),
        ]
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: backends.map(\.port), extra: ["balance: source_hash"])]
        )
        var serverOf: [String: String] = [:]
        for host in 1...30 {
            let source = try SocketAddress(ipAddress: "127.0.0.\(host)", port: 0)
            var seen: Set<String> = []
            for _ in 0..<2 {
                // A new connection each time (new source port), same address.
                let client = try await proxy.connect(from: source)
                seen.insert(try await client.get().bodyText)
                seen.insert(try await client.get().bodyText)
                await client.close()
            }
            #expect(seen.count == 1, "127.0.0.\(host) went to \(seen)")
            serverOf["127.0.0.\(host)"] = seen.first
        }
        #expect(Set(serverOf.values) == ["a", "b", "c"])
        let forwardedFor = backends.flatMap { $0.requests.elements }.compactMap { $0.headers.first(name: "x-forwarded-for") }
        #expect(forwardedFor.count == 120)
        await proxy.stop()
        for backend in backends { await backend.close() }
    }

    /// `uri_hash` keys on the path without the query: the same path always reaches the same server,
    /// different paths spread over all of them.
    @Test func uriHashPinsEachPathAndIgnoresTheQuery() async throws {
        let backends = [
            try await TestBackend(name: "a"), try await TestBackend(name: "b"), try await TestBackend(name: "c"),
        ]
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: backends.map(\.port), extra: ["balance: uri_hash"])]
        )
        let client = try await proxy.connect()
        var serverOf: [String: String] = [:]
        for item in 0..<60 {
            let first = try await client.get("/items/\(item)").bodyText
            let second = try await client.get("/items/\(item)?page=\(item + 1)").bodyText
            let third = try await client.get("/items/\(item)").bodyText
            #expect(first == second && second == third, "/items/\(item): \(first) \(second) \(third)")
            serverOf["/items/\(item)"] = first
        }
        let counts = ["a", "b", "c"].map { name in serverOf.values.count { $0 == name } }
        #expect(counts.allSatisfy { $0 >= 8 }, "paths per server: \(counts)")
        await client.close()
        await proxy.stop()
        for backend in backends { await backend.close() }
    }
}
