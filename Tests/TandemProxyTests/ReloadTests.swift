import Foundation
import Logging
import NIOCore
import NIOPosix
import TandemBalancing
import TandemConfig
import TandemProxy
import Testing

/// `ProxyServer.reload(to:)` on loopback: servers and frontends come and go while clients are served, and the
/// run-time state of servers that stay survives.
@Suite("Hitless reload", .timeLimit(.minutes(1)))
struct ReloadTests {
    /// One server of a reload test: its name and the test backend behind it.
    struct Server {
        var name: String
        var port: Int
        var weight = 1
    }

    /// A node with one backend `app` and one frontend per port, all on 127.0.0.1.
    static func yaml(ports: [Int], servers: [Server], backendExtra: [String] = []) -> String {
        var lines = ["node:", "  name: test", "  drain_timeout: 2s", "frontends:"]
        for (index, port) in ports.enumerated() {
            lines += ["  - name: web\(index)", "    bind: 127.0.0.1:\(port)", "    backend: app"]
        }
        lines += ["backends:", "  - name: app"]
        lines += backendExtra.map { "    " + $0 }
        lines.append("    servers:")
        for server in servers {
            lines.append(
                "      - { name: \(server.name), address: 127.0.0.1:\(server.port), weight: \(server.weight) }"
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func start(_ yaml: String) async throws -> ProxyServer {
        let server = try ProxyServer(
            configuration: try ConfigLoader.parse(yaml: yaml, file: "test.yaml"),
            group: MultiThreadedEventLoopGroup.singleton,
            logger: Logger(label: "tandem.test") { _ in SwiftLogNoOpLogHandler() }
        )
        try await server.start()
        return server
    }

    @discardableResult
    static func reload(_ server: ProxyServer, _ yaml: String) async throws -> ConfigDiff {
        try await server.reload(to: try ConfigLoader.parse(yaml: yaml, file: "test.yaml"))
    }

    static func connect(_ port: Int) async throws -> RawConnection {
        try await RawConnection.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: port))
    }

    static func status(_ server: ProxyServer, _ name: String) -> BackendStatus? {
        server.serverStatuses().first { $0.server == name }
    }

    /// A server added, one removed: new connections use the new set at once. A drain and a weight set at run
    /// time stay through reloads that leave those settings alone in the file; a weight edited in the file wins.
    @Test func serversComeAndGoAndRunTimeStateStays() async throws {
        let backends = [
            try await TestBackend(name: "a"), try await TestBackend(name: "b"), try await TestBackend(name: "c"),
        ]
        let port = try await freeLoopbackPort()
        let a = Server(name: "a", port: backends[0].port)
        let b = Server(name: "b", port: backends[1].port)
        let c = Server(name: "c", port: backends[2].port)
        let proxy = try await Self.start(Self.yaml(ports: [port], servers: [a, b]))
        _ = try proxy.setServerState(backend: "app", server: "b", .drain)
        _ = try proxy.setServerState(backend: "app", server: "a", .weight(3))

        let added = try await Self.reload(proxy, Self.yaml(ports: [port], servers: [a, b, c]))
        #expect(added.summary == ["backends: changed app (servers)", "servers of app: added c"])
        #expect(proxy.serverStatuses().map(\.server) == ["a", "b", "c"])
        #expect(Self.status(proxy, "b")?.admin == .draining)
        #expect(Self.status(proxy, "a")?.weight == 3)
        var served: [String] = []
        for _ in 0..<8 {
            let client = try await Self.connect(port)
            served.append(try await client.get().bodyText)
            await client.close()
        }
        #expect(served.count { $0 == "a" } == 6 && served.count { $0 == "c" } == 2)

        try await Self.reload(proxy, Self.yaml(ports: [port], servers: [b, c]))
        #expect(proxy.serverStatuses().map(\.server) == ["b", "c"])
        #expect(Self.status(proxy, "b")?.admin == .draining)
        let before = backends[0].requests.count
        for _ in 0..<4 {
            let client = try await Self.connect(port)
            #expect(try await client.get().bodyText == "c")
            await client.close()
        }
        #expect(backends[0].requests.count == before)

        var heavier = c
        heavier.weight = 2
        _ = try proxy.setServerState(backend: "app", server: "c", .weight(7))
        try await Self.reload(proxy, Self.yaml(ports: [port], servers: [b, heavier]))
        #expect(Self.status(proxy, "c")?.weight == 2, "the file's new weight wins over the run-time one")
        await proxy.drain()
        for backend in backends { await backend.close() }
    }

    /// A server the health checks took DOWN is still DOWN after a reload that adds another server, and does
    /// not come back while it keeps failing; a disabled one stays disabled.
    @Test func downServerStaysDown() async throws {
        let script = BackendScript(status: 503)
        let flaky = try await TestBackend(name: "flaky", behaviour: .scripted(script))
        let steady = try await TestBackend(name: "steady")
        let spare = try await TestBackend(name: "spare")
        let port = try await freeLoopbackPort()
        let health = [
            "health: { http: /healthz, expect: 200, interval: 100ms, timeout: 80ms, rise: 2, fall: 2 }",
            "outlier: { enabled: false }",
        ]
        let servers = [Server(name: "flaky", port: flaky.port), Server(name: "steady", port: steady.port)]
        let proxy = try await Self.start(Self.yaml(ports: [port], servers: servers, backendExtra: health))
        #expect(await eventually { Self.status(proxy, "flaky")?.health == .down })
        _ = try proxy.setServerState(backend: "app", server: "steady", .disable)

        let more = servers + [Server(name: "spare", port: spare.port)]
        try await Self.reload(proxy, Self.yaml(ports: [port], servers: more, backendExtra: health))
        #expect(Self.status(proxy, "flaky")?.health == .down)
        #expect(Self.status(proxy, "steady")?.admin == .disabled)
        // The new checker probes flaky again: it stays down, and spare (new, up) takes the traffic.
        let probes = flaky.requests.count
        #expect(await flaky.requests.wait { $0.count >= probes + 3 })
        #expect(Self.status(proxy, "flaky")?.health == .down)
        let client = try await Self.connect(port)
        #expect(try await client.get().bodyText == "spare")
        await client.close()

        script.status = 200
        #expect(await eventually { Self.status(proxy, "flaky")?.health == .up })
        await proxy.drain()
        for backend in [flaky, steady, spare] { await backend.close() }
    }

    /// A request in flight on a server the reload removes finishes there, with `Connection: close`; the
    /// client's next connection goes to the new server. An idle keep-alive connection opened before the reload
    /// is left alone for the grace period, then closed.
    @Test func requestInFlightFinishesOnTheOldServer() async throws {
        let slow = try await TestBackend(name: "slow", behaviour: .answerNameAfter(.milliseconds(500)))
        let fresh = try await TestBackend(name: "fresh")
        let port = try await freeLoopbackPort()
        let proxy = try await Self.start(Self.yaml(ports: [port], servers: [Server(name: "s", port: slow.port)]))
        let idle = try await Self.connect(port)
        try await idle.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try await idle.readResponse().status == 200)
        let busy = try await Self.connect(port)
        try await busy.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(await slow.requests.wait(forCount: 2, timeout: .seconds(2)))

        try await Self.reload(proxy, Self.yaml(ports: [port], servers: [Server(name: "f", port: fresh.port)]))
        let response = try await busy.readResponse(timeout: .seconds(3))
        #expect(response.status == 200 && response.bodyText == "slow")
        #expect(response.closesConnection)
        #expect(await busy.waitForClose(timeout: .seconds(2)))
        let next = try await Self.connect(port)
        #expect(try await next.get().bodyText == "fresh")
        await next.close()
        // Still open well inside the grace, closed after it.
        #expect(await idle.waitForClose(timeout: .milliseconds(300)) == false)
        #expect(await idle.waitForClose(timeout: .seconds(3)))
        await proxy.drain()
        await slow.close()
        await fresh.close()
    }

    /// A request in flight when its backend is replaced still counts on its server (by name) until it ends, so
    /// `tandem server drain --wait` waits for it.
    @Test func inFlightCountSpansTheReload() async throws {
        let slow = try await TestBackend(name: "slow", behaviour: .answerNameAfter(.milliseconds(500)))
        let other = try await TestBackend(name: "other")
        let port = try await freeLoopbackPort()
        let kept = Server(name: "s", port: slow.port)
        let proxy = try await Self.start(Self.yaml(ports: [port], servers: [kept]))
        let busy = try await Self.connect(port)
        try await busy.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(await slow.requests.wait(forCount: 1, timeout: .seconds(2)))
        try await Self.reload(proxy, Self.yaml(ports: [port], servers: [kept, Server(name: "o", port: other.port)]))
        #expect(Self.status(proxy, "s")?.inFlight == 1)
        #expect(try await busy.readResponse(timeout: .seconds(3)).status == 200)
        #expect(await eventually { Self.status(proxy, "s")?.inFlight == 0 })
        await busy.close()
        await proxy.drain()
        await slow.close()
        await other.close()
    }

    /// In `tcp` mode a tunnel open across a reload that replaces its server keeps flowing to the old server;
    /// a new connection reaches the new one.
    @Test func tunnelSurvivesReload() async throws {
        let first = try await TestTCPServer(.banner("first\r\n"))
        let second = try await TestTCPServer(.banner("second\r\n"))
        let port = try await freeLoopbackPort()
        func yaml(_ server: Server) -> String {
            Self.yaml(ports: [port], servers: [server]).replacingOccurrences(
                of: "    backend: app\n",
                with: "    backend: app\n    mode: tcp\n"
            )
        }
        let proxy = try await Self.start(yaml(Server(name: "one", port: first.port)))
        let tunnel = try await Self.connect(port)
        #expect(String(decoding: await TCPModeTests.receive(7, from: tunnel), as: UTF8.self) == "first\r\n")
        try await Self.reload(proxy, yaml(Server(name: "two", port: second.port)))
        try await tunnel.send("still here\r\n")
        #expect(String(decoding: await TCPModeTests.receive(12, from: tunnel), as: UTF8.self) == "still here\r\n")
        let fresh = try await Self.connect(port)
        #expect(String(decoding: await TCPModeTests.receive(8, from: fresh), as: UTF8.self) == "second\r\n")
        await tunnel.close()
        await fresh.close()
        await proxy.drain()
        await first.close()
        await second.close()
    }

    /// A frontend added is bound and serves; one removed stops accepting; the one that stays never stopped.
    @Test func frontendsAddedAndRemoved() async throws {
        let backend = try await TestBackend(name: "a")
        let first = try await freeLoopbackPort()
        let second = try await freeLoopbackPort()
        let servers = [Server(name: "a", port: backend.port)]
        let proxy = try await Self.start(Self.yaml(ports: [first], servers: servers))
        let kept = try await Self.connect(first)
        #expect(try await kept.get().status == 200)

        let added = try await Self.reload(proxy, Self.yaml(ports: [first, second], servers: servers))
        #expect(added.frontends == ConfigDiff.Names(added: ["web1"]))
        #expect(proxy.frontends.map(\.name) == ["web0", "web1"])
        let other = try await Self.connect(second)
        #expect(try await other.get().bodyText == "a")
        await other.close()
        // An unchanged frontend is the same object: its connections go on with keep-alive.
        let again = try await kept.get()
        #expect(again.status == 200 && !again.closesConnection)

        try await Self.reload(
            proxy,
            Self.yaml(ports: [second], servers: servers).replacingOccurrences(of: "web0", with: "web1")
        )
        #expect(proxy.frontends.map(\.name) == ["web1"])
        #expect(await kept.waitForClose(timeout: .seconds(2)))
        #expect(
            await eventually {
                do {
                    let refused = try await Self.connect(first)
                    await refused.close()
                    return false
                } catch {
                    return true
                }
            }
        )
        let still = try await Self.connect(second)
        #expect(try await still.get().bodyText == "a")
        await still.close()
        await proxy.drain()
        await backend.close()
    }

    /// A reload that cannot complete changes nothing: a certificate file that is missing, an address in use.
    @Test func failedReloadChangesNothing() async throws {
        let backend = try await TestBackend(name: "a")
        let taken = try await TestBackend(name: "taken")
        let port = try await freeLoopbackPort()
        let servers = [Server(name: "a", port: backend.port)]
        let proxy = try await Self.start(Self.yaml(ports: [port], servers: servers))
        _ = try proxy.setServerState(backend: "app", server: "a", .weight(5))
        let backendsBefore = proxy.backends.map(ObjectIdentifier.init)
        let frontendsBefore = proxy.frontends.map(ObjectIdentifier.init)

        let withTLS = Self.yaml(ports: [port], servers: servers + [Server(name: "b", port: taken.port)])
            .replacingOccurrences(
                of: "    backend: app\n",
                with: "    backend: app\n    tls: { certificates: [/nonexistent/tandem.pem] }\n"
            )
        await #expect {
            try await Self.reload(proxy, withTLS)
        } throws: { error in
            (error as? ProxyServer.ReloadError)?.code == .unusable && "\(error)".contains("/nonexistent/tandem.pem")
        }
        await #expect {
            try await Self.reload(
                proxy,
                Self.yaml(ports: [port, taken.port], servers: servers + [Server(name: "b", port: 1)])
            )
        } throws: { error in
            (error as? ProxyServer.ReloadError)?.code == .cannotBind
        }
        #expect(proxy.backends.map(ObjectIdentifier.init) == backendsBefore)
        #expect(proxy.frontends.map(ObjectIdentifier.init) == frontendsBefore)
        #expect(proxy.serverStatuses().map(\.server) == ["a"])
        #expect(proxy.boundAddresses.count == 1)
        let client = try await Self.connect(port)
        #expect(try await client.get().bodyText == "a")
        await client.close()
        await proxy.drain()
        await backend.close()
        await taken.close()
    }

    /// An ejected server is still ejected after a reload that changes another server, until its backoff ends.
    @Test func ejectionSurvivesReload() async throws {
        let failing = try await TestBackend(name: "bad", behaviour: .scripted(BackendScript(status: 500)))
        let good = try await TestBackend(name: "good")
        let other = try await TestBackend(name: "other")
        let port = try await freeLoopbackPort()
        let outlier = ["outlier: { consecutive_failures: 2, base_ejection: 30s, max_ejection: 60s }"]
        let servers = [Server(name: "bad", port: failing.port), Server(name: "good", port: good.port)]
        let proxy = try await Self.start(Self.yaml(ports: [port], servers: servers, backendExtra: outlier))
        let client = try await Self.connect(port)
        for _ in 0..<6 { _ = try await client.get() }
        #expect(Self.status(proxy, "bad")?.isEjected == true)
        await client.close()

        var moreWeight = servers
        moreWeight[1].weight = 2
        let changed = moreWeight + [Server(name: "other", port: other.port)]
        try await Self.reload(proxy, Self.yaml(ports: [port], servers: changed, backendExtra: outlier))
        #expect(Self.status(proxy, "bad")?.isEjected == true)
        let before = failing.requests.count
        for _ in 0..<6 {
            let fresh = try await Self.connect(port)
            #expect(try await fresh.get().status == 200)
            await fresh.close()
        }
        #expect(failing.requests.count == before)
        await proxy.drain()
        for backend in [failing, good, other] { await backend.close() }
    }
}
