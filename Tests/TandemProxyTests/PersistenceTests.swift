import Testing

/// Cookie persistence (`persistence: { cookie: NAME }`) end to end.
@Suite("Cookie persistence end to end", .timeLimit(.minutes(1)))
struct PersistenceTests {
    static let cookieName = "TANDEM_SRV"

    /// The cookie value of a `Set-Cookie: TANDEM_SRV=...; Path=/; HttpOnly` header, checking its shape.
    static func cookieValue(in response: RawResponse) -> String? {
        guard let header = response.header("set-cookie") else { return nil }
        let parts = header.split(separator: ";").map { $0.trimmingSpaces }
        guard parts.count == 3, parts[1] == "Path=/", parts[2] == "HttpOnly",
            parts[0].hasPrefix(cookieName + "=")
        else { return nil }
        let value = String(parts[0].dropFirst(cookieName.count + 1))
        return value.count == 16 && value.allSatisfy(\.isHexDigit) ? value : nil
    }

    static func makeBackends() async throws -> [TestBackend] {
        [try await TestBackend(name: "a"), try await TestBackend(name: "b"), try await TestBackend(name: "c")]
    }

    static func startProxy(_ backends: [TestBackend], extra: [String] = []) async throws -> TestProxy {
        try await TestProxy.start(
            backends: [
                BackendSpec(ports: backends.map(\.port), extra: ["persistence: { cookie: \(cookieName) }"] + extra)
            ]
        )
    }

    /// 100 requests with the cookie reach one server; its value never reaches a backend; when that server
    /// stops, the next request goes elsewhere and the cookie is rewritten to the new server.
    @Test func cookiePinsUntilTheServerStops() async throws {
        let backends = try await Self.makeBackends()
        let proxy = try await Self.startProxy(backends)
        let first = try await proxy.getOnce()
        let value = try #require(Self.cookieValue(in: first), "Set-Cookie: \(first.header("set-cookie") ?? "none")")
        let pinnedName = first.bodyText

        let client = try await proxy.connect()
        for index in 0..<100 {
            let response = try await client.get(extraHeaders: ["Cookie: theme=dark; \(Self.cookieName)=\(value); lang=en"])
            #expect(response.bodyText == pinnedName, "request \(index)")
            #expect(response.header("set-cookie") == nil, "a pinned client is not re-pinned")
        }
        await client.close()
        let heads = backends.flatMap { $0.requests.elements }
        #expect(heads.count == 101)
        #expect(heads.allSatisfy { !($0.headers["cookie"].joined().contains(Self.cookieName)) })
        #expect(heads.filter { $0.headers.contains(name: "cookie") }.allSatisfy { $0.headers["cookie"] == ["theme=dark; lang=en"] })

        let pinned = try #require(backends.first { $0.name == pinnedName })
        await pinned.shutDown()
        let moved = try await proxy.getOnce(extraHeaders: ["Cookie: \(Self.cookieName)=\(value)"])
        #expect(moved.status == 200)
        #expect(moved.bodyText != pinnedName)
        let newValue = try #require(Self.cookieValue(in: moved))
        #expect(newValue != value)
        // The new cookie pins the new server.
        for _ in 0..<5 {
            let again = try await proxy.getOnce(extraHeaders: ["Cookie: \(Self.cookieName)=\(newValue)"])
            #expect(again.bodyText == moved.bodyText)
            #expect(again.header("set-cookie") == nil)
        }
        await proxy.stop()
        for backend in backends { await backend.close() }
    }

    /// A forged or unknown cookie value is ignored (no error): the request is balanced and pinned afresh.
    @Test func forgedCookieIsIgnored() async throws {
        let backends = try await Self.makeBackends()
        let proxy = try await Self.startProxy(backends)
        for forged in ["deadbeefdeadbeef", "", "127.0.0.1:8080", "a\"b"] {
            let response = try await proxy.getOnce(extraHeaders: ["Cookie: \(Self.cookieName)=\(forged)"])
            #expect(response.status == 200)
            #expect(Self.cookieValue(in: response) != nil, "forged \(forged) was not replaced")
        }
        #expect(backends.flatMap { $0.requests.elements }.allSatisfy { !$0.headers.contains(name: "cookie") })
        await proxy.stop()
        for backend in backends { await backend.close() }
    }

    /// The cookie value depends only on backend and server names: a second proxy (the other node of the
    /// pair) honours a cookie the first one set.
    @Test func cookieSurvivesAnotherProxyInstance() async throws {
        let backends = try await Self.makeBackends()
        let nodeA = try await Self.startProxy(backends)
        let nodeB = try await Self.startProxy(backends)
        let first = try await nodeA.getOnce()
        let value = try #require(Self.cookieValue(in: first))
        for _ in 0..<10 {
            let response = try await nodeB.getOnce(extraHeaders: ["Cookie: \(Self.cookieName)=\(value)"])
            #expect(response.bodyText == first.bodyText)
            #expect(response.header("set-cookie") == nil)
        }
        await nodeA.stop()
        await nodeB.stop()
        for backend in backends { await backend.close() }
    }

    /// A drained server takes no new request even from clients pinned to it; they are re-pinned.
    @Test func drainedServerDoesNotTakePinnedClients() async throws {
        let backends = try await Self.makeBackends()
        let proxy = try await Self.startProxy(backends)
        let first = try await proxy.getOnce()
        let value = try #require(Self.cookieValue(in: first))
        let serverName = "app\(try #require(backends.firstIndex { $0.name == first.bodyText }))"
        let result = try proxy.server.setServerState(backend: "app", server: serverName, .drain)
        #expect(result.admin == .draining)
        #expect(result.inFlight == 0)
        let response = try await proxy.getOnce(extraHeaders: ["Cookie: \(Self.cookieName)=\(value)"])
        #expect(response.status == 200)
        #expect(response.bodyText != first.bodyText)
        #expect(Self.cookieValue(in: response) != nil)
        // Enabled again, the old cookie pins again.
        _ = try proxy.server.setServerState(backend: "app", server: serverName, .enable)
        let back = try await proxy.getOnce(extraHeaders: ["Cookie: \(Self.cookieName)=\(value)"])
        #expect(back.bodyText == first.bodyText)
        await proxy.stop()
        for backend in backends { await backend.close() }
    }
}
