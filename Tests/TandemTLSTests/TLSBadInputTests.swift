import NIOCore
import TandemConfig
import TandemTLS
import Testing

@Suite("Bad input closes that one connection, is counted, and others are still served")
struct TLSBadInputTests {
    /// The first bytes of a TLS 1.2 ClientHello record announcing 512 bytes: a record and handshake header only.
    static let clientHelloStart: [UInt8] = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]

    /// A listener whose handshake timeout is `timeout`; tests that do not test the timeout use a long one so that
    /// a loaded machine cannot turn their failure into a timeout.
    private static func start(
        _ certificates: TestCertificates,
        timeout: Duration = .seconds(10)
    ) async throws -> (TLSContext, TLSTestServer) {
        let context = try TLSContext(
            settings: TLSSettings(certificates: [certificates.aTest], handshakeTimeout: timeout)
        )
        return (context, try await TLSTestServer.start(context: context, application: .http))
    }

    /// Plain HTTP to the TLS port gets a plain-text 400 and a close, counted as plaintext-http.
    @Test func plaintextHTTPGetsA400AndIsCounted() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let (context, server) = try await Self.start(certificates)
        let client = try await RawTCPClient.send(
            Array("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n".utf8),
            port: server.port,
            halfClose: false
        )
        let (bytes, closedByServer) = try await client.waitForClose()
        #expect(closedByServer)
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(context.statistics.failures(.plaintextHTTP) == 1)
        try await expectServed(certificates, server.port)
        try await server.stop()
    }

    /// A ClientHello cut short by the client closing is counted as bad-client-hello.
    @Test func truncatedClientHelloIsCounted() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let (context, server) = try await Self.start(certificates)
        let client = try await RawTCPClient.send(
            Self.clientHelloStart + [UInt8](repeating: 7, count: 32),
            port: server.port,
            halfClose: true
        )
        let (bytes, closedByServer) = try await client.waitForClose()
        #expect(closedByServer)
        #expect(bytes.isEmpty)
        #expect(context.statistics.failures(.badClientHello) == 1)
        try await expectServed(certificates, server.port)
        try await server.stop()
    }

    /// Random bytes are not TLS: closed and counted as bad-client-hello, for several seeds.
    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func randomBytesAreCounted(seed: UInt64) async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let (context, server) = try await Self.start(certificates)
        var generator = SeededGenerator(seed: seed)
        let bytes = (0..<600).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let client = try await RawTCPClient.send(bytes, port: server.port, halfClose: true)
        let (_, closedByServer) = try await client.waitForClose()
        #expect(closedByServer)
        #expect(context.statistics.failures(.badClientHello) == 1)
        #expect(context.statistics.failures(.handshakeTimeout) == 0)
        try await expectServed(certificates, server.port)
        try await server.stop()
    }

    /// A client that stalls mid-handshake is closed at the handshake timeout (300 ms) and counted, while another
    /// client is served in the meantime.
    @Test func stalledHandshakeTimesOut() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let (context, server) = try await Self.start(certificates, timeout: .milliseconds(300))
        let started = ContinuousClock.now
        let client = try await RawTCPClient.send(Self.clientHelloStart, port: server.port, halfClose: false)
        try await expectServed(certificates, server.port)
        let (_, closedByServer) = try await client.waitForClose()
        let elapsed = ContinuousClock.now - started
        #expect(closedByServer)
        #expect(elapsed >= .milliseconds(300))
        #expect(elapsed < .seconds(5))
        #expect(context.statistics.failures(.handshakeTimeout) == 1)
        #expect(context.statistics.handshakes == 1)
        try await server.stop()
    }

    /// A connection that sends nothing and leaves (a TCP health check) is not a TLS failure.
    @Test func silentConnectionIsNotCounted() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let (context, server) = try await Self.start(certificates)
        let client = try await RawTCPClient.send([], port: server.port, halfClose: true)
        let (_, closedByServer) = try await client.waitForClose()
        #expect(closedByServer)
        #expect(context.statistics.failuresByReason.values.reduce(0, +) == 0)
        try await server.stop()
    }

    private func expectServed(_ certificates: TestCertificates, _ port: Int) async throws {
        let result = try await TLSClients(certificates: certificates).curl("a.test", port: port)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("sni=a.test"))
    }
}

/// SplitMix64, so the random-bytes inputs are the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
