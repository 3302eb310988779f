import NIOHTTP1
import Testing

@Suite("The forwarded request", .timeLimit(.minutes(1)))
struct ForwardedRequestTests {
    @Test func hopByHopFieldsGoAndForwardingFieldsArrive() async throws {
        let backend = try await TestBackend(name: "app")
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [backend.port])])
        let client = try await proxy.connect()
        let response = try await client.get(
            "/page?q=1",
            host: "Shop.Example.com:8080",
            extraHeaders: [
                "Connection: keep-alive, X-Hop-Secret",
                "X-Hop-Secret: must-not-pass",
                "Keep-Alive: timeout=5",
                "Proxy-Connection: keep-alive",
                "TE: trailers",
                "Proxy-Authorization: Basic Zm9vOmJhcg==",
                "X-Forwarded-For: 198.18.0.7",
                "X-Forwarded-Proto: https",
                "X-End-To-End: kept",
            ]
        )
        #expect(response.status == 200)
        let head = try #require(backend.requests.elements.first)
        #expect(head.uri == "/page?q=1")
        #expect(head.method == .GET)
        for name in ["connection", "x-hop-secret", "keep-alive", "proxy-connection", "te", "proxy-authorization"] {
            #expect(!head.headers.contains(name: name), "\(name) reached the backend")
        }
        #expect(head.headers["host"] == ["Shop.Example.com:8080"])
        #expect(head.headers["x-forwarded-for"] == ["198.18.0.7, 127.0.0.1"])
        #expect(head.headers["x-forwarded-proto"] == ["http"])
        #expect(head.headers["x-forwarded-host"] == ["Shop.Example.com:8080"])
        #expect(head.headers["x-end-to-end"] == ["kept"])
        await client.close()
        await proxy.stop()
        await backend.close()
    }

    @Test func routesByHostAndPathPrefixToDifferentBackends() async throws {
        let app = try await TestBackend(name: "app")
        let api = try await TestBackend(name: "api")
        let assets = try await TestBackend(name: "assets")
        let proxy = try await TestProxy.start(
            backends: [
                BackendSpec(name: "app", ports: [app.port]),
                BackendSpec(name: "api", ports: [api.port]),
                BackendSpec(name: "assets", ports: [assets.port]),
            ],
            frontend: [
                "routes:",
                "  - { host: api.example.com, backend: api }",
                "  - { path_prefix: /static/, backend: assets }",
            ]
        )
        let client = try await proxy.connect()
        let cases: [(host: String, path: String, backend: String)] = [
            ("api.example.com", "/users", "api"),
            ("API.EXAMPLE.COM:9000", "/users", "api"),
            ("api.example.com", "/static/logo.png", "api"),  // first match wins
            ("www.example.com", "/static/logo.png", "assets"),
            ("www.example.com", "/statics", "app"),
            ("www.example.com", "/", "app"),
        ]
        for (host, path, expected) in cases {
            let response = try await client.get(path, host: host)
            #expect(response.status == 200)
            #expect(response.bodyText == expected, "\(host) \(path)")
        }
        let absolute = try await client.get("http://www.example.com/static/app.js", host: "www.example.com")
        #expect(absolute.bodyText == "assets")
        #expect(api.requests.elements.map(\.uri) == ["/users", "/users", "/static/logo.png"])
        await client.close()
        await proxy.stop()
        for backend in [app, api, assets] { await backend.close() }
    }

    @Test func headResponseKeepsTheConnectionInStep() async throws {
        let backend = try await TestBackend(name: "app")
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [backend.port])])
        let client = try await proxy.connect()
        for _ in 0..<3 {
            try await client.send("HEAD /page HTTP/1.1\r\nHost: test.local\r\n\r\n")
            let head = try await client.readResponse(toHead: true)
            #expect(head.status == 200)
            #expect(head.header("content-length") == "3")
            let get = try await client.get("/page")
            #expect(get.status == 200)
            #expect(get.bodyText == "app")
        }
        #expect(backend.acceptedConnections == 1)
        await client.close()
        await proxy.stop()
        await backend.close()
    }

    @Test func clientLeavingMidUploadClosesTheBackendConnection() async throws {
        let backend = try await TestBackend(name: "sink", behaviour: .countBody)
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [backend.port])])
        let client = try await proxy.connect()
        try await client.send("POST /upload HTTP/1.1\r\nHost: test.local\r\nContent-Length: 1000000\r\n\r\n")
        try await client.send(String(repeating: "p", count: 10_000))
        #expect(await backend.requests.wait(forCount: 1))
        await client.close()
        #expect(await backend.closedConnections.wait(forCount: 1), "the half-sent request's backend connection leaked")
        await proxy.stop()
        await backend.close()
    }
}
