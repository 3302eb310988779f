import NIOCore
import Testing

/// `mode: tcp` frontends end to end on loopback: bytes both ways through a tunnel, servers that speak first or
/// answer at end of input, retries on refused connects, idle and queue limits.
@Suite("Layer 4", .timeLimit(.minutes(1)))
struct TCPModeTests {
    static func receive(_ count: Int, from connection: RawConnection, timeout: Duration = .seconds(5)) async -> [UInt8]
    {
        var bytes: [UInt8] = []
        let deadline = ContinuousClock.now + timeout
        while bytes.count < count {
            switch await connection.next(timeout: deadline - .now) {
            case .bytes(let buffer): bytes += buffer.readableBytesView
            case .closed, .timedOut: return bytes
            }
        }
        return bytes
    }

    /// 1 MiB each way through the tunnel, the echo arriving whole and in order.
    @Test func bytesFlowBothWays() async throws {
        let server = try await TestTCPServer(.echo)
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [server.port])], mode: "tcp")
        let client = try await proxy.connect()
        var payload = client.channel.allocator.buffer(capacity: 1 << 20)
        for index in 0..<(1 << 20) { payload.writeInteger(UInt8(truncatingIfNeeded: index &* 31)) }
        let expected = Array(payload.readableBytesView)
        try await client.send(payload)
        let echoed = await Self.receive(expected.count, from: client)
        #expect(echoed.count == expected.count)
        #expect(echoed == expected)
        await client.close()
        await proxy.stop()
        await server.close()
    }

    /// A server that speaks first (SMTP-like) is heard before the client sends anything.
    @Test func aBannerArrivesBeforeTheClientSpeaks() async throws {
        let server = try await TestTCPServer(.banner("220 test ready\r\n"))
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [server.port])], mode: "tcp")
        let client = try await proxy.connect()
        #expect(String(decoding: await Self.receive(16, from: client), as: UTF8.self) == "220 test ready\r\n")
        try await client.send("EHLO a\r\n")
        #expect(String(decoding: await Self.receive(8, from: client), as: UTF8.self) == "EHLO a\r\n")
        await client.close()
        await proxy.stop()
        await server.close()
    }

    /// The client closes its write side; the server sees the end of input, answers, and closes; the client reads
    /// the answer and then the close.
    @Test func aHalfCloseCrossesTheTunnel() async throws {
        let server = try await TestTCPServer(.answerAtEndOfInput)
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [server.port])], mode: "tcp")
        let client = try await proxy.connect()
        try await client.send("0123456789")
        try await client.channel.close(mode: .output)
        let (bytes, closed) = await client.readUntilClose(timeout: .seconds(5))
        #expect(String(decoding: bytes, as: UTF8.self) == "received 10")
        #expect(closed)
        await proxy.stop()
        await server.close()
    }

    /// A client that sends and half-closes before its tunnel stands (here: while it waits in the queue) still has
    /// its end of input passed on: the server answers at end of input and the client reads the answer.
    @Test func aHalfCloseBeforeTheTunnelStandsIsKept() async throws {
        let server = try await TestTCPServer(.answerAtEndOfInput)
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [server.port], extra: ["max_connections: 1", "queue_timeout: 5s"])],
            mode: "tcp"
        )
        let first = try await proxy.connect()
        try await first.send("a")
        #expect(await eventually { server.acceptedConnections == 1 })
        let second = try await proxy.connect()
        try await second.send("0123456789")
        try await second.channel.close(mode: .output)
        #expect(await Self.receive(1, from: second, timeout: .milliseconds(300)).isEmpty, "served past the limit")
        await first.close()
        let (bytes, closed) = await second.readUntilClose(timeout: .seconds(5))
        #expect(String(decoding: bytes, as: UTF8.self) == "received 10")
        #expect(closed)
        await proxy.stop()
        await server.close()
    }

    /// A refused connect is retried on another server: every client gets through.
    @Test func aRefusedConnectIsRetriedElsewhere() async throws {
        let server = try await TestTCPServer(.echo)
        let refusing = try refusingLoopbackPort()
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [refusing, server.port], extra: ["retries: 1"])],
            mode: "tcp"
        )
        for round in 0..<4 {
            let client = try await proxy.connect()
            try await client.send("ping \(round)")
            #expect(String(decoding: await Self.receive(6, from: client), as: UTF8.self) == "ping \(round)")
            await client.close()
        }
        #expect(server.acceptedConnections == 4)
        await proxy.stop()
        await server.close()
    }

    /// With `tls:` a layer-4 frontend terminates TLS and relays the plaintext, touching no byte of it (no forwarding
    /// fields: it is not HTTP to the proxy).
    @Test func aTLSFrontendRelaysThePlaintext() async throws {
        let files = try await TLSTestFiles.make()
        defer { files.remove() }
        let backend = try await TestBackend(name: "plain")
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [backend.port])],
            frontend: [files.frontendLine],
            mode: "tcp"
        )
        let client = try await TLSTestClient.connect(port: try #require(proxy.address.port))
        let response = try await client.get()
        #expect(response.status == 200)
        #expect(response.bodyText == "plain")
        #expect(client.peerSubject.contains("CN=a.test"))
        #expect(backend.requests.elements.first?.headers["x-forwarded-for"] == [])
        await proxy.stop()
        await backend.close()
    }

    /// A tunnel with nothing moving either way is closed at the idle limit (`timeouts.client`, `timeouts.server`).
    @Test func aSilentTunnelIsClosed() async throws {
        let server = try await TestTCPServer(.echo)
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [server.port], extra: ["timeouts: { server: 5s }"])],
            frontend: ["timeouts: { client: 300ms }"],
            mode: "tcp"
        )
        let client = try await proxy.connect()
        try await client.send("x")
        #expect(await Self.receive(1, from: client).count == 1)
        let started = ContinuousClock.now
        #expect(await client.waitForClose(timeout: .seconds(3)))
        let silent = ContinuousClock.now - started
        #expect(silent >= .milliseconds(200))
        #expect(silent < .seconds(2))
        await proxy.stop()
        await server.close()
    }

    /// With every server at `max_connections` a new connection waits in the queue and gets the first slot freed.
    @Test func aFullServerQueuesTheNextConnection() async throws {
        let server = try await TestTCPServer(.echo)
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [server.port], extra: ["max_connections: 1", "queue_timeout: 5s"])],
            mode: "tcp"
        )
        let first = try await proxy.connect()
        try await first.send("a")
        #expect(await Self.receive(1, from: first).count == 1)
        let second = try await proxy.connect()
        try await second.send("b")
        #expect(await Self.receive(1, from: second, timeout: .milliseconds(300)).isEmpty, "served past the limit")
        await first.close()
        #expect(String(decoding: await Self.receive(1, from: second), as: UTF8.self) == "b")
        await second.close()
        await proxy.stop()
        await server.close()
    }
}
