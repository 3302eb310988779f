import NIOCore
import NIOPosix
import TandemControl
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The drill's prober against a real loopback listener that goes away and comes back on the same port.
@Suite("Drill prober", .timeLimit(.minutes(1)))
struct DrillProberTests {
    /// Answers every connection with `200` and closes it.
    final class AnswerOK: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let response = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            let channel = context.channel
            context.writeAndFlush(NIOAny(channel.allocator.buffer(string: response))).whenComplete { _ in
                channel.close(promise: nil)
            }
        }
    }

    func listen(port: Int) async throws -> any Channel {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(AnswerOK()) }
            }
            .bind(host: "127.0.0.1", port: port)
            .get()
    }

    @Test func measuresTheGapWhileTheListenerIsGone() async throws {
        let first = try await listen(port: 0)
        let port = try #require(first.localAddress?.port)
        let prober = DrillProber(
            target: try ProbeTarget(url: "http://127.0.0.1:\(port)/"),
            interval: .milliseconds(10),
            timeout: .milliseconds(200),
            maximumProbes: 1000
        )
        prober.start()
        try await Task.sleep(for: .milliseconds(300))
        try await first.close()
        try await Task.sleep(for: .milliseconds(300))
        let second = try await listen(port: port)
        try await Task.sleep(for: .milliseconds(300))
        let results = await prober.stop()
        try await second.close()

        #expect(results.count >= 40)
        let failed = results.filter { !$0.ok }
        #expect(!failed.isEmpty)
        // The first may be reset: a connection still in the backlog when the listener closed. Then none listens.
        let reasons = failed.map { $0.failure ?? "" }
        #expect(["refused", "reset", "closed"].contains(reasons.first), "\(reasons)")
        #expect(reasons.dropFirst().allSatisfy { $0 == "refused" }, "\(reasons)")
        #expect(results.filter(\.ok).allSatisfy { $0.status == 200 })
        let outage = try #require(ProbeOutage(results).duration)
        // The listener was away for about 300 ms (the sleeps bound it from below; a loaded machine stretches it).
        #expect(outage >= .milliseconds(250))
        #expect(outage < .seconds(3))
        #expect(ProbeOutage(results).failureRuns == 1)
    }

    /// Probes keep their rate while the prober's loop runs late: another task holds the loop 8 ms at a time, so each
    /// tick runs up to 8 ms after its slot. A fixed delay after each tick sent 54 in the first second here; the fixed
    /// rate sends one per 10 ms slot, and never more.
    @Test func keepsItsRateWhenTheLoopIsLate() async throws {
        let listener = try await listen(port: 0)
        let port = try #require(listener.localAddress?.port)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let blocker = group.next().scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(1)) { _ in
            usleep(8000)
        }
        let prober = DrillProber(
            target: try ProbeTarget(url: "http://127.0.0.1:\(port)/"),
            interval: .milliseconds(10),
            timeout: .milliseconds(500),
            maximumProbes: 1000,
            group: group
        )
        let started = ContinuousClock.now
        prober.start()
        try await Task.sleep(for: .seconds(1))
        let results = await prober.stop()
        let elapsed = ContinuousClock.now - started
        blocker.cancel()
        try await listener.close()
        try await group.shutdownGracefully()

        let sent = results.filter { $0.sentAt < .seconds(1) }.count
        #expect(sent >= 90, "\(sent) probes in the first second")
        #expect(results.count <= Int(elapsed / .milliseconds(10)) + 2, "\(results.count) probes in \(elapsed)")
    }

    /// Echoes what it reads (a layer-4 service for `tcp://` probes).
    final class Echo: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            context.writeAndFlush(data, promise: nil)
        }
    }

    /// A `tcp://` probe succeeds on the first byte back and fails while nothing listens.
    @Test func aLayer4ProbeNeedsOneByteBack() async throws {
        let echo = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Echo()) }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let port = try #require(echo.localAddress?.port)
        let target = try ProbeTarget(url: "tcp://127.0.0.1:\(port)")
        #expect(target.description == "tcp://127.0.0.1:\(port)")
        let prober = DrillProber(
            target: target,
            interval: .milliseconds(20),
            timeout: .milliseconds(200),
            maximumProbes: 5
        )
        prober.start()
        try await Task.sleep(for: .milliseconds(200))
        let answered = await prober.stop()
        try await echo.close()
        #expect(answered.count == 5)
        #expect(answered.allSatisfy { $0.ok })

        let refused = DrillProber(
            target: target,
            interval: .milliseconds(20),
            timeout: .milliseconds(200),
            maximumProbes: 2
        )
        refused.start()
        try await Task.sleep(for: .milliseconds(150))
        let results = await refused.stop()
        #expect(results.count == 2)
        #expect(results.allSatisfy { $0.failure == "refused" })
        #expect(throws: ProbeTargetError.self) { _ = try ProbeTarget(url: "tcp://127.0.0.1") }
    }

    @Test func aBlackHoleTimesOut() async throws {
        // A listener that never answers: the probe ends at its timeout, not later.
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let port = try #require(silent.localAddress?.port)
        let prober = DrillProber(
            target: try ProbeTarget(url: "http://127.0.0.1:\(port)/"),
            interval: .milliseconds(50),
            timeout: .milliseconds(100),
            maximumProbes: 3
        )
        prober.start()
        try await Task.sleep(for: .milliseconds(400))
        let results = await prober.stop()
        try await silent.close()
        #expect(results.count == 3)
        #expect(results.allSatisfy { $0.failure == "timeout" })
        #expect(results.allSatisfy { $0.endedAt - $0.sentAt < .milliseconds(180) })
    }
}
