import TandemProxy
import Testing

/// Run-time server state through `ProxyServer.setServerState`: drain, disable, enable, weight.
@Suite("Server control end to end", .timeLimit(.minutes(1)))
struct ServerControlTests {
    /// A drained server finishes its in-flight slow request while every new request goes elsewhere, and
    /// `inFlight` reports the request it is waiting for.
    @Test func drainLetsInFlightRequestsFinish() async throws {
        // Long enough that the ten requests below finish first, even on a loaded machine.
        let script = BackendScript(slowDelay: .seconds(2))
        let backends = [
            try await TestBackend(name: "a", behaviour: .scripted(script)),
            try await TestBackend(name: "b", behaviour: .scripted(script)),
        ]
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: backends.map(\.port))])
        let slow = try await proxy.connect()
        try await slow.send("GET /slow HTTP/1.1\r\nHost: test.local\r\n\r\n")
        #expect(await eventually { backends.contains { $0.gauge.current == 1 } })
        let busy = try #require(backends.firstIndex { $0.gauge.current == 1 })

        let result = try proxy.server.setServerState(backend: "app", server: "app\(busy)", .drain)
        #expect(result == ServerControlResult(backend: "app", server: "app\(busy)", admin: .draining, weight: 1, inFlight: 1))
        for _ in 0..<10 {
            let response = try await proxy.getOnce()
            #expect(response.bodyText == backends[1 - busy].name)
        }
        #expect(proxy.server.serverStatuses()[busy].inFlight == 1)
        let finished = try await slow.readResponse()
        #expect(finished.status == 200)
        #expect(finished.bodyText == backends[busy].name)
        #expect(await eventually { proxy.server.serverStatuses()[busy].inFlight == 0 })
        #expect(backends[busy].requests.count == 1)
        await slow.close()
        await proxy.stop()
        for backend in backends { await backend.close() }
    }

    /// Disable takes a server out, enable brings it back, and a new weight changes its share.
    @Test func disableEnableAndWeight() async throws {
        let backends = [try await TestBackend(name: "a"), try await TestBackend(name: "b")]
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: backends.map(\.port))])
        let client = try await proxy.connect()

        let disabled = try proxy.server.setServerState(backend: "app", server: "app0", .disable)
        #expect(disabled.admin == .disabled)
        for _ in 0..<6 { #expect(try await client.get().bodyText == "b") }

        _ = try proxy.server.setServerState(backend: "app", server: "app0", .enable)
        let weighted = try proxy.server.setServerState(backend: "app", server: "app0", .weight(3))
        #expect(weighted.weight == 3 && weighted.admin == .enabled)
        var served: [String] = []
        for _ in 0..<40 { served.append(try await client.get().bodyText) }
        #expect(served.count { $0 == "a" } == 30)
        #expect(proxy.server.serverStatuses().map(\.weight) == [3, 1])
        await client.close()
        await proxy.stop()
        for backend in backends { await backend.close() }
    }

    /// Unknown names and out-of-range weights are clear errors, and change nothing.
    @Test func unknownNamesAndBadWeightsAreErrors() async throws {
        let backend = try await TestBackend(name: "a")
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [backend.port])])
        #expect {
            try proxy.server.setServerState(backend: "nope", server: "app0", .drain)
        } throws: { error in
            (error as? ServerControlError)?.code == .unknownBackend && "\(error)".contains("nope")
        }
        #expect {
            try proxy.server.setServerState(backend: "app", server: "ghost", .drain)
        } throws: { error in
            (error as? ServerControlError)?.code == .unknownServer && "\(error)".contains("ghost")
        }
        #expect {
            try proxy.server.setServerState(backend: "app", server: "app0", .weight(0))
        } throws: { error in
            (error as? ServerControlError)?.code == .invalidWeight
        }
        #expect(proxy.server.serverStatuses().map(\.admin) == [.enabled])
        #expect(proxy.server.serverStatuses().map(\.weight) == [1])
        await proxy.stop()
        await backend.close()
    }

    /// The status list names every server with its address and state.
    @Test func statusesDescribeEveryServer() async throws {
        let backends = [try await TestBackend(name: "a"), try await TestBackend(name: "b")]
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(servers: [(backends[0].port, 2), (backends[1].port, 1)])]
        )
        let statuses = proxy.server.serverStatuses()
        #expect(statuses.map(\.server) == ["app0", "app1"])
        #expect(statuses.map(\.address) == backends.map { "127.0.0.1:\($0.port)" })
        #expect(statuses.map(\.weight) == [2, 1])
        #expect(statuses.allSatisfy { $0.backend == "app" && $0.health == .up && $0.admin == .enabled })
        #expect(statuses.allSatisfy { $0.inFlight == 0 && !$0.isEjected })
        await proxy.stop()
        for backend in backends { await backend.close() }
    }
}
