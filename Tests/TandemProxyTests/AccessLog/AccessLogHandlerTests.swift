import Logging
import NIOCore
import NIOEmbedded
import TandemConfig
import Testing

@testable import TandemProxy

/// The client connection handler's lines in an `EmbeddedChannel`, where the loop's clock is stepped by hand: exact
/// timings for the proxy's own answers.
@Suite("Access log of the client connection handler")
struct AccessLogHandlerTests {
    /// A frontend whose only server is disabled (every request is answered 503 by the proxy), logging to `output`.
    static func channel(output: AccessLogBufferTests.GatedOutput) throws -> (EmbeddedChannel, AccessLog) {
        let yaml = """
            node: { name: test }
            frontends:
              - { name: web, bind: 127.0.0.1:8080, backend: app, timeouts: { header: 2s, keepalive: 5s } }
            backends:
              - name: app
                servers: [{ name: be1, address: 127.0.0.1:9 }]
            """
        let configuration = try ConfigLoader.parse(yaml: yaml, file: "test.yaml")
        let channel = EmbeddedChannel()
        let backend = try BackendRuntime(settings: configuration.backends[0], eventLoops: [channel.embeddedEventLoop])
        _ = try backend.apply(.disable, toServer: "be1")
        let log = AccessLogBufferTests.log(output)
        let frontend = try FrontendRuntime(settings: configuration.frontends[0], backends: [backend], accessLog: log)
        // Connected first: the handler reads the client's address when it is added, as on a real channel.
        try channel.connect(to: SocketAddress(ipAddress: "192.0.2.7", port: 4242)).wait()
        let handler = ClientConnectionHandler(frontend: frontend, logger: .init(label: "test"))
        try channel.pipeline.syncOperations.addHandler(handler)
        return (channel, log)
    }

    /// The text after the date.
    static func lines(_ output: AccessLogBufferTests.GatedOutput) -> [String] {
        output.lines.map { String($0.drop { $0 != " " }.dropFirst()) }
    }

    /// Two pipelined requests, each answered 503 at once: a line each, no server, `SC`, the reason.
    @Test func answersOfTheProxysOwn() async throws {
        let output = AccessLogBufferTests.GatedOutput()
        let (channel, log) = try Self.channel(output: output)
        log.start()
        try channel.writeInbound(
            ByteBuffer(string: "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2?q HTTP/1.1\r\nHost: a\r\n\r\n")
        )
        while try channel.readOutbound(as: ByteBuffer.self) != nil {}
        await log.close()
        let lines = Self.lines(output)
        try #require(lines.count == 2)
        #expect(lines[0].hasPrefix("192.0.2.7:4242 web app/- \"GET /1 HTTP/1.1\" 503 "))
        #expect(lines[0].hasSuffix(" 28 0/0/-1/-1/0 0 SC \"no server of backend app is available\""))
        #expect(lines[1].hasPrefix("192.0.2.7:4242 web app/- \"GET /2?q HTTP/1.1\" 503 "))
    }

    /// A head that never completes: 408 at the header timeout, a line with the bytes received and `Ta` = 2000 ms.
    @Test func aSlowHead() async throws {
        let output = AccessLogBufferTests.GatedOutput()
        let (channel, log) = try Self.channel(output: output)
        log.start()
        try channel.writeInbound(ByteBuffer(string: "GET /slow HTTP/1.1\r\nHost:"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
        await log.close()
        let lines = Self.lines(output)
        try #require(lines.count == 1)
        #expect(lines[0].hasPrefix("192.0.2.7:4242 web -/- \"GET /slow HTTP/1.1\" 408 "))
        #expect(lines[0].hasSuffix(" 25 -1/-1/-1/-1/2000 0 cR \"the request head did not arrive in time\""))
    }

    /// A client that closes mid-head leaves a line; one that closes without a byte leaves none.
    @Test func clientsThatLeave() async throws {
        let output = AccessLogBufferTests.GatedOutput()
        let (channel, log) = try Self.channel(output: output)
        log.start()
        try channel.writeInbound(ByteBuffer(string: "GET /gone HTTP/1.1\r\n"))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(300))
        try? await channel.close()
        let (idle, _) = try Self.channel(output: output)
        try? await idle.close()
        await log.close()
        let lines = Self.lines(output)
        #expect(lines == ["192.0.2.7:4242 web -/- \"GET /gone HTTP/1.1\" -1 0 20 -1/-1/-1/-1/300 0 CR"])
    }
}
