import NIOCore
import NIOPosix
import Testing

@testable import TandemHealth

@Suite struct HTTPProbeTests {
    let group = MultiThreadedEventLoopGroup.singleton

    private func probe(_ address: SocketAddress, expect: Int = 200, timeout: TimeAmount = .seconds(2)) -> HTTPProbe {
        HTTPProbe(target: address, path: "/healthz", host: nil, expectStatus: expect, timeout: timeout)
    }

    /// The expected status is a success, and the probe's connection is closed afterwards.
    @Test func expectedStatusSucceeds() async throws {
        let backend = try await TestHTTPBackend(group: group)
        let outcome = try await probe(backend.address).run(on: group.next()).get()
        #expect(outcome == .success)
        #expect(backend.stats.snapshot.requests == 1)
        #expect(await backend.stats.wait { $0.opened == 1 && $0.open == 0 })
        try await backend.close()
    }

    /// A 503 fails with the status as reason.
    @Test func serviceUnavailableFails() async throws {
        let backend = try await TestHTTPBackend(group: group)
        backend.setStatus(503)
        let outcome = try await probe(backend.address).run(on: group.next()).get()
        #expect(outcome == .failure("status 503"))
        try await backend.close()
    }

    /// Any status other than the expected one fails, even a 2xx.
    @Test func unexpectedSuccessStatusFails() async throws {
        let backend = try await TestHTTPBackend(group: group)
        let outcome = try await probe(backend.address, expect: 204).run(on: group.next()).get()
        #expect(outcome == .failure("status 200"))
        try await backend.close()
    }

    /// A server that accepts and never answers makes the probe report "timeout" at its deadline, and the probe
    /// closes its connection.
    @Test func silentServerTimesOut() async throws {
        let server = try await RawTCPServer(group: group, behavior: .silent)
        let clock = ContinuousClock()
        let start = clock.now
        let outcome = try await probe(server.address, timeout: .milliseconds(300)).run(on: group.next()).get()
        let elapsed = clock.now - start
        #expect(outcome == .failure("timeout"))
        #expect(elapsed >= .milliseconds(250))
        #expect(elapsed < .seconds(3))
        #expect(await server.stats.wait { $0.opened == 1 && $0.open == 0 })
        try await server.close()
    }

    /// Bytes that are not HTTP are an "invalid response".
    @Test func garbageIsInvalidResponse() async throws {
        let server = try await RawTCPServer(group: group, behavior: .reply("garbage\r\n\r\n"))
        let outcome = try await probe(server.address).run(on: group.next()).get()
        #expect(outcome == .failure("invalid response"))
        #expect(await server.stats.wait { $0.opened == 1 && $0.open == 0 })
        try await server.close()
    }

    /// A closed port is "connection refused".
    @Test func closedPortIsRefused() async throws {
        let address = try await RawTCPServer.closedPort(group: group)
        let outcome = try await probe(address).run(on: group.next()).get()
        #expect(outcome == .failure("connection refused"))
    }

    /// A server that closes without answering is "connection closed".
    @Test func closeWithoutAnswerIsConnectionClosed() async throws {
        let server = try await RawTCPServer(group: group, behavior: .closeOnRead)
        let outcome = try await probe(server.address).run(on: group.next()).get()
        #expect(outcome == .failure("connection closed"))
        try await server.close()
    }

    /// The request is `GET path HTTP/1.1` with Host, User-Agent and Connection: close.
    @Test func requestCarriesProbeHeaders() async throws {
        let server = try await RawTCPServer(
            group: group,
            behavior: .reply("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        )
        let probe = HTTPProbe(
            target: server.address,
            path: "/healthz",
            host: "app.test",
            expectStatus: 200,
            timeout: .seconds(2)
        )
        #expect(try await probe.run(on: group.next()).get() == .success)
        let request = server.received.elements.joined()
        #expect(request.hasPrefix("GET /healthz HTTP/1.1\r\n"))
        #expect(request.contains("Host: app.test\r\n"))
        #expect(request.contains("User-Agent: tandem-health\r\n"))
        #expect(request.contains("Connection: close\r\n"))
        try await server.close()
    }

    /// Without `host:` the Host header is the numeric address and port (never `Host: :PORT`, a 400 at nginx).
    @Test func defaultHostIsTheNumericAddress() async throws {
        let server = try await RawTCPServer(
            group: group,
            behavior: .reply("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        )
        let target = try SocketAddress(ipAddress: "127.0.0.1", port: server.address.port!)
        let probe = HTTPProbe(target: target, path: "/", host: nil, expectStatus: 200, timeout: .seconds(2))
        #expect(try await probe.run(on: group.next()).get() == .success)
        let request = server.received.elements.joined()
        #expect(request.contains("Host: 127.0.0.1:\(server.address.port!)\r\n"))
        #expect(HTTPProbe.hostHeader(for: try SocketAddress(ipAddress: "::1", port: 8080)) == "[::1]:8080")
        try await server.close()
    }

    #if os(Linux)
    /// A connect that hangs (full accept queue) is bounded by the same deadline and reported as "timeout".
    @Test func hangingConnectTimesOut() async throws {
        let listener = try FullBacklogListener()
        defer { listener.close() }
        let clock = ContinuousClock()
        let start = clock.now
        let outcome = try await probe(listener.address, timeout: .milliseconds(300)).run(on: group.next()).get()
        let elapsed = clock.now - start
        #expect(outcome == .failure("timeout"))
        #expect(elapsed >= .milliseconds(250))
        #expect(elapsed < .seconds(3))
    }
    #endif
}
