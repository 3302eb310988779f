import NIOCore
import NIOEmbedded
import Testing

@testable import TandemProxy

/// The server side of an exchange alone in an `EmbeddedChannel`: what it reports for responses arriving in pieces,
/// and what it does with a server that is out of step.
@Suite("Upstream connection handler")
struct UpstreamConnectionHandlerTests {
    /// Records what the handler reports, as text.
    final class Recorder: UpstreamDelegate {
        var events: [String] = []
        var body = ""
        func upstreamReceivedHead(_ head: ResponseHead) { events.append("head \(head.status)") }
        func upstreamReceivedBody(_ bytes: ByteBuffer) { body += String(buffer: bytes) }
        func upstreamReceivedEnd(reusable: Bool) { events.append("end reusable=\(reusable)") }
        func upstreamReadComplete() {}
        func upstreamWritabilityChanged(isWritable: Bool) {}
        func upstreamFailed(invalidResponse: String?) { events.append("failed \(invalidResponse ?? "closed")") }
    }

    static func connection() throws -> (EmbeddedChannel, UpstreamConnectionHandler, Recorder) {
        let handler = UpstreamConnectionHandler()
        let channel = EmbeddedChannel(handler: handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let recorder = Recorder()
        handler.beginExchange(delegate: recorder, requestIsHEAD: false)
        return (channel, handler, recorder)
    }

    /// A chunked response split at every byte arrives whole, framing included, and ends exactly once.
    @Test func aChunkedResponseInPieces() throws {
        let response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n"
        let (channel, _, recorder) = try Self.connection()
        for byte in response.utf8 { try channel.writeInbound(ByteBuffer(bytes: [byte])) }
        #expect(recorder.events == ["head 200", "end reusable=true"])
        #expect(recorder.body == "5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n")
    }

    /// Interim responses come before the final one; a response with more bytes after its end is not reused.
    @Test func interimThenFinalWithTrailingBytes() throws {
        let (channel, _, recorder) = try Self.connection()
        try channel.writeInbound(
            ByteBuffer(string: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA")
        )
        #expect(recorder.events == ["head 100", "head 200", "end reusable=false"])
        #expect(recorder.body == "ok")
    }

    /// A body delimited by the close ends with the connection; a cut Content-Length body is a failure.
    @Test func theCloseEndsOrCutsABody() throws {
        let (untilClose, _, ended) = try Self.connection()
        try untilClose.writeInbound(ByteBuffer(string: "HTTP/1.1 200 OK\r\n\r\npartial"))
        untilClose.pipeline.fireChannelInactive()
        #expect(ended.events == ["head 200", "end reusable=false"])
        #expect(ended.body == "partial")

        let (cut, _, failed) = try Self.connection()
        try cut.writeInbound(ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"))
        cut.pipeline.fireChannelInactive()
        #expect(failed.events == ["head 200", "failed closed"])
    }

    /// A malformed response is reported (the client gets 502) and the connection closed; so is a server that
    /// talks while no exchange is in progress.
    @Test func outOfStepServersAreDropped() throws {
        let (bad, _, recorder) = try Self.connection()
        try bad.writeInbound(ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"))
        #expect(recorder.events.count == 1)
        #expect(recorder.events.first?.hasPrefix("failed") == true)
        #expect(!bad.isActive)

        let (idle, handler, _) = try Self.connection()
        handler.detach()
        try idle.writeInbound(ByteBuffer(string: "HTTP/1.1 200 OK\r\n\r\n"))
        #expect(!idle.isActive)
    }

    /// While the client cannot take more the handler holds its reads and keeps what arrived; resuming hands it on.
    @Test func pausedReadsKeepBytesUntilResumed() throws {
        let (channel, handler, recorder) = try Self.connection()
        try channel.writeInbound(ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab"))
        handler.readsPaused = true
        try channel.writeInbound(ByteBuffer(string: "cd"))
        #expect(recorder.body == "ab")
        handler.readsPaused = false
        #expect(recorder.body == "abcd")
        #expect(recorder.events == ["head 200", "end reusable=true"])
    }
}
