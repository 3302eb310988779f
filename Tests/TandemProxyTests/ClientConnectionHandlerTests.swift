import NIOCore
import NIOEmbedded
import TandemConfig
import Testing

@testable import TandemProxy

/// The client connection handler alone in an `EmbeddedChannel`, on the paths that need no server: answers of the
/// proxy's own, the connection timer stepped with `advanceTime` just before and at each deadline, and pipelining.
@Suite("Client connection handler")
struct ClientConnectionHandlerTests {
    /// A frontend whose only server is disabled, so every request is answered by the proxy itself.
    static func channel(timeouts: String = "{ header: 2s, keepalive: 5s }") throws -> EmbeddedChannel {
        let yaml = """
            node: { name: test }
            frontends:
              - { name: web, bind: 127.0.0.1:8080, backend: app, timeouts: \(timeouts) }
            backends:
              - name: app
                servers: [{ name: be1, address: 127.0.0.1:9 }]
            """
        let configuration = try ConfigLoader.parse(yaml: yaml, file: "test.yaml")
        let channel = EmbeddedChannel()
        let backend = try BackendRuntime(settings: configuration.backends[0], eventLoops: [channel.embeddedEventLoop])
        _ = try backend.apply(.disable, toServer: "be1")
        let frontend = try FrontendRuntime(settings: configuration.frontends[0], backends: [backend])
        let handler = ClientConnectionHandler(frontend: frontend, logger: .init(label: "test"))
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    static func send(_ text: String, to channel: EmbeddedChannel) throws {
        try channel.writeInbound(ByteBuffer(string: text))
    }

    static func written(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
        return text
    }

    @Test func aMalformedHeadIsAnswered400AndClosed() throws {
        let channel = try Self.channel()
        try Self.send("GET / HTTP/1.1\r\nHost: a\r\nNo colon\r\n\r\n", to: channel)
        let answer = try Self.written(channel)
        #expect(answer.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(answer.contains("Connection: close\r\n"))
        #expect(!channel.isActive)
    }

    /// No server is available: 503, and the connection stays for the next (pipelined) request, answered in order.
    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let channel = try Self.channel()
        try Self.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nGET", to: channel)
        let answers = try Self.written(channel)
        #expect(answers.components(separatedBy: "HTTP/1.1 503 Service Unavailable\r\n").count == 3)
        #expect(channel.isActive)
        try Self.send(" /3 HTTP/1.0\r\n\r\n", to: channel)
        #expect(try Self.written(channel).hasPrefix("HTTP/1.0 503"))
        #expect(!channel.isActive, "HTTP/1.0 without keep-alive closes")
    }

    /// A head must be complete within the header timeout: 408 at the deadline, not a millisecond before.
    @Test func aSlowHeadGets408AtTheHeaderTimeout() throws {
        let channel = try Self.channel()
        try Self.send("GET / HTTP/1.1\r\nHost:", to: channel)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1999))
        #expect(try Self.written(channel).isEmpty)
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(try Self.written(channel).hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))
        #expect(!channel.isActive)
    }

    /// An idle keep-alive connection is closed silently at the keep-alive timeout, measured from its last answer.
    @Test func anIdleConnectionClosesSilentlyAtTheKeepAliveTimeout() throws {
        let channel = try Self.channel()
        channel.embeddedEventLoop.advanceTime(by: .seconds(3))
        try Self.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n", to: channel)
        #expect(try Self.written(channel).hasPrefix("HTTP/1.1 503"))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(4999))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!channel.isActive)
        #expect(try Self.written(channel).isEmpty, "an idle close says nothing")
    }

    /// The quiescing of a drain closes an idle connection at once.
    @Test func aDrainClosesAnIdleConnection() throws {
        let channel = try Self.channel()
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(!channel.isActive)
    }
}
