import Testing

/// Passive outlier detection: servers failing real requests are ejected for a while, never more than the cap.
@Suite("Outlier detection end to end", .timeLimit(.minutes(1)))
struct OutlierTests {
    /// Three of four servers answer 500: consecutive failures eject them, but never more than half of the
    /// backend, so exactly two are ejected and traffic goes to the other two.
    @Test func failingServersAreEjectedUpToHalfTheBackend() async throws {
        let failing = BackendScript(status: 500)
        let backends = [
            try await TestBackend(name: "bad0", behaviour: .scripted(failing)),
            try await TestBackend(name: "bad1", behaviour: .scripted(failing)),
            try await TestBackend(name: "bad2", behaviour: .scripted(failing)),
            try await TestBackend(name: "good"),
        ]
        let proxy = try await TestProxy.start(
            backends: [
                BackendSpec(
                    ports: backends.map(\.port),
                    extra: ["outlier: { consecutive_failures: 3, base_ejection: 30s, max_ejection: 60s }"]
                )
            ]
        )
        let client = try await proxy.connect()
        for _ in 0..<40 { _ = try await client.get() }
        let statuses = proxy.server.serverStatuses()
        #expect(statuses.count { $0.isEjected } == 2)
        #expect(statuses.last?.isEjected == false, "the good server was ejected")
        let ejected = Set(statuses.filter(\.isEjected).map(\.server))
        let names = Set(backends.indices.filter { ejected.contains("app\($0)") }.map { backends[$0].name })
        let before = backends.map(\.requests.count)
        var served = Set<String>()
        for _ in 0..<10 { served.insert(try await client.get().bodyText) }
        let after = backends.map(\.requests.count)
        for index in backends.indices where names.contains(backends[index].name) {
            #expect(after[index] == before[index], "ejected \(backends[index].name) got requests")
        }
        #expect(served.contains("good"))
        await client.close()
        await proxy.stop()
        for backend in backends { await backend.close() }
    }

    /// An ejection ends by itself after its backoff, without any request, and a recovered server serves again.
    @Test func ejectionExpiresAfterTheBackoff() async throws {
        let script = BackendScript(status: 502)
        let flaky = try await TestBackend(name: "flaky", behaviour: .scripted(script))
        let steady = try await TestBackend(name: "steady")
        let proxy = try await TestProxy.start(
            backends: [
                BackendSpec(
                    ports: [flaky.port, steady.port],
                    extra: ["outlier: { consecutive_failures: 2, base_ejection: 300ms, max_ejection: 1s }"]
                )
            ]
        )
        let client = try await proxy.connect()
        #expect(try await client.get().status == 502)
        #expect(try await client.get().bodyText == "steady")
        // The second failure in a row, on the third request, ejects the server: not before this instant.
        let ejectedAt = ContinuousClock.now
        #expect(try await client.get().status == 502)
        #expect(proxy.server.serverStatuses()[0].isEjected)
        script.status = 200
        for _ in 0..<4 { #expect(try await client.get().bodyText == "steady") }
        #expect(await eventually { !proxy.server.serverStatuses()[0].isEjected })
        #expect(ContinuousClock.now - ejectedAt >= .milliseconds(290))
        var served = Set<String>()
        for _ in 0..<4 { served.insert(try await client.get().bodyText) }
        #expect(served == ["flaky", "steady"])
        await client.close()
        await proxy.stop()
        await flaky.close()
        await steady.close()
    }

    /// Connect failures count too: a refusing server is ejected, so later requests no longer pay a retry.
    @Test func refusingServerIsEjected() async throws {
        let alive = try await TestBackend(name: "alive")
        let closedPort = try refusingLoopbackPort()
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [closedPort, alive.port], extra: ["outlier: { consecutive_failures: 2 }"])]
        )
        for _ in 0..<4 { #expect(try await proxy.getOnce().bodyText == "alive") }
        #expect(proxy.server.serverStatuses()[0].isEjected)
        #expect(!proxy.server.serverStatuses()[1].isEjected)
        await proxy.stop()
        await alive.close()
    }

    /// With `outlier: { enabled: false }` nothing is ever ejected.
    @Test func disabledDetectionEjectsNothing() async throws {
        let failing = try await TestBackend(name: "bad", behaviour: .scripted(BackendScript(status: 500)))
        let good = try await TestBackend(name: "good")
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [failing.port, good.port], extra: ["outlier: { enabled: false }"])]
        )
        let client = try await proxy.connect()
        for _ in 0..<20 { _ = try await client.get() }
        #expect(failing.requests.count == 10)
        #expect(proxy.server.serverStatuses().allSatisfy { !$0.isEjected })
        await client.close()
        await proxy.stop()
        await failing.close()
        await good.close()
    }
}
