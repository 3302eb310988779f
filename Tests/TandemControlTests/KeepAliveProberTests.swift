import NIOCore
import NIOPosix
import Synchronization
import TandemControl
import Testing

/// The prober's keep-alive mode against a real loopback HTTP server that counts its connections and can close a
/// connection, leave a request unanswered, or go away and come back on the same port.
@Suite("Keep-alive prober", .timeLimit(.minutes(1)))
struct KeepAliveProberTests {
    /// What the server does with its Nth request (1-based, over all connections); it answers 200 otherwise.
    enum Behaviour: Sendable {
        case answer
        case answerAndClose
        case ignore
    }

    /// The server's side of every connection: the connections accepted and the requests seen.
    final class Server: Sendable {
        let channels = Mutex<[any Channel]>([])
        let requests = Atomic<Int>(0)
        let behaviour: @Sendable (Int) -> Behaviour

        init(_ behaviour: @escaping @Sendable (Int) -> Behaviour = { _ in .answer }) {
            self.behaviour = behaviour
        }

        var accepted: Int { channels.withLock { $0.count } }

        func listen(port: Int = 0) async throws -> any Channel {
            try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    self.channels.withLock { $0.append(channel) }
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(Answer(server: self))
                    }
                }
                .bind(host: "127.0.0.1", port: port)
                .get()
        }

        /// Closes every accepted connection, as a node that went away.
        func closeConnections() async {
            for channel in channels.withLock({ $0 }) { try? await channel.close() }
        }
    }

    /// Reads requests (each up to its blank line) and answers each with a keep-alive 200.
    final class Answer: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        let server: Server
        var buffered = ""

        init(server: Server) {
            self.server = server
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            buffered += String(buffer: unwrapInboundIn(data))
            while let end = buffered.range(of: "\r\n\r\n") {
                buffered.removeSubrange(..<end.upperBound)
                let number = server.requests.add(1, ordering: .relaxed).newValue
                switch server.behaviour(number) {
                case .answer:
                    respond(context, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                case .answerAndClose:
                    respond(context, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                    context.close(promise: nil)
                case .ignore:
                    break
                }
            }
        }

        private func respond(_ context: ChannelHandlerContext, _ text: String) {
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: text)), promise: nil)
        }
    }

    func prober(port: Int, maximumProbes: Int, timeout: Duration = .milliseconds(200)) throws -> DrillProber {
        DrillProber(
            target: try ProbeTarget(url: "http://127.0.0.1:\(port)/"),
            interval: .milliseconds(10),
            timeout: timeout,
            maximumProbes: maximumProbes,
            keepAlive: true
        )
    }

    @Test func everyProbeGoesOnOneConnection() async throws {
        let server = Server()
        let listener = try await server.listen()
        let prober = try prober(port: try #require(listener.localAddress?.port), maximumProbes: 20)
        let seen = Mutex<[ProbeResult]>([])
        prober.start { result in seen.withLock { $0.append(result) } }
        try await Task.sleep(for: .milliseconds(400))
        let results = await prober.stop()
        try await listener.close()
        await server.closeConnections()

        // A tick while a request is in flight is skipped, so a loaded machine may send fewer.
        #expect(results.count >= 10 && results.count <= 20)
        #expect(results.allSatisfy { $0.ok && $0.status == 200 && $0.connection == 1 })
        #expect(server.accepted == 1)
        #expect(server.requests.load(ordering: .relaxed) == results.count)
        #expect(prober.connections == 1)
        #expect(seen.withLock { $0.count } == results.count)
    }

    /// A request left unanswered fails at its timeout and its connection is dropped; `Connection: close` is not a
    /// failure, but the next probe needs a new connection too.
    @Test func aFailureOrACloseMeansANewConnection() async throws {
        let server = Server { number in
            switch number {
            case 3: .ignore
            case 6: .answerAndClose
            default: .answer
            }
        }
        let listener = try await server.listen()
        let prober = try prober(
            port: try #require(listener.localAddress?.port),
            maximumProbes: 30,
            timeout: .milliseconds(100)
        )
        prober.start()
        try await Task.sleep(for: .milliseconds(700))
        let results = await prober.stop()
        try await listener.close()
        await server.closeConnections()

        let failed = results.filter { !$0.ok }
        #expect(failed.count == 1)
        #expect(failed.first?.failure == "timeout")
        #expect(failed.first?.connection == 1)
        #expect(failed.first.map { $0.endedAt - $0.sentAt < .milliseconds(180) } == true)
        // Requests 1-3 on connection 1, 4-6 on connection 2 (the server closed it after 6), the rest on 3.
        #expect(results.map(\.connection).prefix(7) == [1, 1, 1, 2, 2, 2, 3])
        #expect(results.dropFirst(6).allSatisfy { $0.ok && $0.connection == 3 })
        #expect(server.accepted == 3)
        #expect(prober.connections == 3)
        #expect(ProbeOutage(results).failureRuns == 1)
    }

    /// The server goes away (its connections closed, nothing listening) and comes back on the same port: the
    /// probes fail meanwhile and recover on a new connection.
    @Test func measuresTheGapWhileTheServerIsGone() async throws {
        let server = Server()
        let first = try await server.listen()
        let port = try #require(first.localAddress?.port)
        let prober = try prober(port: port, maximumProbes: 1000)
        prober.start()
        try await Task.sleep(for: .milliseconds(300))
        try await first.close()
        await server.closeConnections()
        try await Task.sleep(for: .milliseconds(300))
        let second = try await server.listen(port: port)
        try await Task.sleep(for: .milliseconds(300))
        let results = await prober.stop()
        try await second.close()
        await server.closeConnections()

        let failed = results.filter { !$0.ok }
        #expect(!failed.isEmpty)
        #expect(failed.allSatisfy { ["refused", "closed", "reset"].contains($0.failure) })
        #expect(results.last?.ok == true)
        let outage = try #require(ProbeOutage(results).duration)
        #expect(outage >= .milliseconds(250))
        #expect(outage < .seconds(3))
        #expect(ProbeOutage(results).failureRuns == 1)
        // One connection before, one after; a refused connect is not a connection.
        #expect(prober.connections == 2)
        #expect(server.accepted == 2)
    }
}
