import NIOCore
import NIOEmbedded
import TandemConfig
import TandemTLS
import Testing

@Suite("TLSServerHandler in an EmbeddedChannel, with an in-memory OpenSSL client and a fake clock")
struct TLSServerHandlerEmbeddedTests {
    private static func channel(
        _ certificates: TestCertificates,
        timeout: Duration = .milliseconds(300),
        alpn: [TLSSettings.ApplicationProtocol] = [.h2, .http11]
    ) throws -> (EmbeddedChannel, TLSContext, EventRecorder, ReadCounter) {
        let context = try TLSContext(
            settings: TLSSettings(
                certificates: [certificates.aTest, certificates.wildcardBTest],
                handshakeTimeout: timeout,
                alpn: alpn
            )
        )
        let recorder = EventRecorder()
        let reads = ReadCounter()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(recorder)
        try addTLSServerHandler(to: channel.pipeline.syncOperations, context: context)
        try channel.pipeline.syncOperations.addHandler(reads, position: .first)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 443)).wait()
        return (channel, context, recorder, reads)
    }

    /// The handshake timeout fires exactly at its deadline: open 1 ms before, closed and counted at it.
    @Test func handshakeTimeoutFiresAtTheDeadline() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let (channel, context, _, _) = try Self.channel(certificates)
        let hello = InMemoryTLSClient(serverName: "a.test").clientHello()
        try channel.writeInbound(ByteBuffer(bytes: hello.prefix(20)))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(299))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!channel.isActive)
        #expect(context.statistics.failures(.handshakeTimeout) == 1)
    }

    /// With `alpn: [http/1.1]` a client offering h2 and http/1.1 gets http/1.1: h2 is off.
    @Test func alpnWithoutH2ChoosesHTTP11() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let (channel, _, recorder, _) = try Self.channel(certificates, alpn: [.http11])
        let client = InMemoryTLSClient(serverName: "www.b.test")
        try client.exchange(with: channel)
        #expect(recorder.handshakes.map(\.applicationProtocol) == ["http/1.1"])
    }

    /// A completed handshake reports SNI, ALPN (h2, first in the server's preference) and cancels the timeout.
    @Test func handshakeReportsWhatWasNegotiated() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let (channel, context, recorder, _) = try Self.channel(certificates)
        let client = InMemoryTLSClient(serverName: "www.b.test")
        try client.exchange(with: channel)
        #expect(client.handshakeDone)
        let expected = TLSHandshakeCompleted(
            applicationProtocol: "h2",
            serverName: "www.b.test",
            sessionResumed: false,
            protocolVersion: "TLSv1.3"
        )
        #expect(recorder.handshakes == [expected])
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(channel.isActive)
        #expect(context.statistics.handshakes == 1)
        _ = try channel.finish()
    }

    /// Plaintext written before the handshake completes is held, then delivered encrypted; data flows both ways.
    @Test func writesBeforeTheHandshakeAreHeldThenSent() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let (channel, _, _, _) = try Self.channel(certificates)
        channel.writeAndFlush(ByteBuffer(string: "early"), promise: nil)
        let client = InMemoryTLSClient(serverName: "a.test")
        try client.exchange(with: channel)
        client.send("ping")
        try client.exchange(with: channel)
        #expect(try channel.readInbound(as: ByteBuffer.self) == ByteBuffer(string: "ping"))
        channel.writeAndFlush(ByteBuffer(string: "pong"), promise: nil)
        try client.exchange(with: channel)
        #expect(client.receive() == "earlypong")
        _ = try channel.finish()
    }

    /// close_notify from the client is answered with close_notify and the connection closes.
    @Test func clientCloseNotifyIsAnswered() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let (channel, context, _, _) = try Self.channel(certificates)
        let client = InMemoryTLSClient(serverName: "a.test")
        try client.exchange(with: channel)
        client.sendCloseNotify()
        try client.exchange(with: channel)
        _ = client.receive()
        #expect(client.receivedCloseNotify)
        #expect(!channel.isActive)
        #expect(context.statistics.failuresByReason.values.reduce(0, +) == 0)
    }

    /// `close()` from the application sends close_notify before closing.
    @Test func serverCloseSendsCloseNotify() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let (channel, _, _, _) = try Self.channel(certificates)
        let client = InMemoryTLSClient(serverName: "a.test")
        try client.exchange(with: channel)
        #expect(!client.receivedCloseNotify)
        channel.close(promise: nil)
        try client.exchange(with: channel)
        _ = client.receive()
        #expect(client.receivedCloseNotify)
    }

    /// Backpressure: while the channel is not writable a `read()` is held back (no more ciphertext is read);
    /// it goes out when writability returns.
    @Test func readsWaitForWritability() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let (channel, _, _, reads) = try Self.channel(certificates)
        let client = InMemoryTLSClient(serverName: "a.test")
        try client.exchange(with: channel)
        let before = reads.count
        channel.isWritable = false
        channel.pipeline.read()
        #expect(reads.count == before)
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(reads.count == before + 1)
        channel.pipeline.read()
        #expect(reads.count == before + 2)
        _ = try channel.finish()
    }
}

/// Records `TLSHandshakeCompleted` events and passes everything on.
final class EventRecorder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private(set) var handshakes: [TLSHandshakeCompleted] = []

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSHandshakeCompleted {
            handshakes.append(event)
        }
        context.fireUserInboundEventTriggered(event)
    }
}

/// Counts `read()` calls that reach the socket end of the pipeline.
final class ReadCounter: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    private(set) var count = 0

    func read(context: ChannelHandlerContext) {
        count += 1
        context.read()
    }
}
