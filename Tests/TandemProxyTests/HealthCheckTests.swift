import TandemBalancing
import Testing

/// Active health checks started by the proxy, against backends that start failing and recover.
@Suite("Active health checks end to end", .timeLimit(.minutes(1)))
struct HealthCheckTests {
    static func health(of server: String, in proxy: TestProxy) -> HealthCounter.Health? {
        proxy.server.serverStatuses().first { $0.server == server }?.health
    }

    /// An HTTP-checked server that answers 503 leaves the rotation after `fall` probes and comes back
    /// after `rise` good ones.
    @Test func failingServerLeavesRotationAndComesBack() async throws {
        let script = BackendScript()
        let flaky = try await TestBackend(name: "flaky", behaviour: .scripted(script))
        let steady = try await TestBackend(name: "steady")
        let proxy = try await TestProxy.start(
            backends: [
                BackendSpec(
                    ports: [flaky.port, steady.port],
                    extra: [
                        "health: { http: /healthz, expect: 200, interval: 100ms, timeout: 80ms, rise: 2, fall: 2 }",
                        "outlier: { enabled: false }",
                    ]
                )
            ]
        )
        #expect(proxy.server.serverStatuses().allSatisfy { $0.health == .up })
        // Probes arrive on their own: the checker was started with the proxy.
        #expect(await flaky.requests.wait { $0.count { $0.uri == "/healthz" } >= 2 })
        let client = try await proxy.connect()
        var served = Set<String>()
        for _ in 0..<4 { served.insert(try await client.get().bodyText) }
        #expect(served == ["flaky", "steady"])

        script.status = 503
        #expect(await eventually { Self.health(of: "app0", in: proxy) == .down })
        for _ in 0..<10 {
            let response = try await client.get()
            #expect(response.status == 200)
            #expect(response.bodyText == "steady")
        }

        script.status = 200
        #expect(await eventually { Self.health(of: "app0", in: proxy) == .up })
        served = []
        for _ in 0..<4 { served.insert(try await client.get().bodyText) }
        #expect(served == ["flaky", "steady"])
        await client.close()
        await proxy.stop()
        await flaky.close()
        await steady.close()
    }

    /// A TCP-checked server whose listener goes away is DOWN; with every server down the proxy answers
    /// 503 at once with a clear body.
    @Test func tcpCheckMarksAStoppedServerDown() async throws {
        let only = try await TestBackend(name: "only")
        let proxy = try await TestProxy.start(
            backends: [
                BackendSpec(
                    ports: [only.port],
                    extra: ["health: { tcp: true, interval: 100ms, timeout: 80ms, rise: 1, fall: 1 }"]
                )
            ]
        )
        #expect(try await proxy.getOnce().status == 200)
        await only.shutDown()
        #expect(await eventually { Self.health(of: "app0", in: proxy) == .down })
        let started = ContinuousClock.now
        let response = try await proxy.getOnce()
        #expect(ContinuousClock.now - started < .milliseconds(500))
        #expect(response.status == 503)
        #expect(response.bodyText.contains("no server of backend app is available"))
        #expect(response.header("retry-after") != nil)
        await proxy.stop()
    }

    /// Drain stops the checkers: no probe reaches the server afterwards.
    @Test func drainStopsTheProbes() async throws {
        let backend = try await TestBackend(name: "only")
        let proxy = try await TestProxy.start(
            backends: [
                BackendSpec(
                    ports: [backend.port],
                    extra: ["health: { http: /healthz, interval: 50ms, timeout: 40ms, rise: 1, fall: 1 }"]
                )
            ]
        )
        #expect(await backend.requests.wait(forCount: 2))
        await proxy.stop()
        let probesAtStop = backend.requests.count
        // Several intervals later, still no new probe.
        #expect(await !backend.requests.wait(forCount: probesAtStop + 1, timeout: .milliseconds(300)))
        await backend.close()
    }
}
