import Testing

/// Redispatch of requests whose connection was refused, bounded by `retries`.
@Suite("Redispatch end to end", .timeLimit(.minutes(1)))
struct RedispatchTests {
    /// Two of three servers refuse connections: with the default two retries every request still reaches
    /// the live one, each refusing server tried at most once per request.
    @Test func twoRefusingServersAreBothSkipped() async throws {
        let alive = try await TestBackend(name: "alive")
        let refused = [try refusingLoopbackPort(), try refusingLoopbackPort()]
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: refused + [alive.port], extra: ["outlier: { enabled: false }"])]
        )
        for _ in 0..<9 { #expect(try await proxy.getOnce().bodyText == "alive") }
        #expect(alive.requests.count == 9)
        await proxy.stop()
        await alive.close()
    }

    /// With `retries: 0` a refused connection is not redispatched: the client gets 502.
    @Test func noRetriesMeansBadGateway() async throws {
        let alive = try await TestBackend(name: "alive")
        let refused = try refusingLoopbackPort()
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [refused, alive.port], extra: ["retries: 0", "outlier: { enabled: false }"])]
        )
        var statuses: [Int] = []
        for _ in 0..<4 { statuses.append(try await proxy.getOnce().status) }
        #expect(statuses.sorted() == [200, 200, 502, 502])
        await proxy.stop()
        await alive.close()
    }
}
