import NIOCore
import NIOPosix
import Testing

@testable import TandemHealth

@Suite struct TCPProbeTests {
    let group = MultiThreadedEventLoopGroup.singleton

    /// A listening server is a success, and the probe's connection is closed afterwards.
    @Test func succeedsAgainstListenerAndCloses() async throws {
        let server = try await RawTCPServer(group: group, behavior: .silent)
        let probe = TCPProbe(target: server.address, timeout: .seconds(2))
        let outcome = try await probe.run(on: group.next()).get()
        #expect(outcome == .success)
        #expect(await server.stats.wait { $0.opened == 1 && $0.open == 0 })
        try await server.close()
    }

    /// A closed port is reported as "connection refused".
    @Test func closedPortIsRefused() async throws {
        let address = try await RawTCPServer.closedPort(group: group)
        let outcome = try await TCPProbe(target: address, timeout: .seconds(2)).run(on: group.next()).get()
        #expect(outcome == .failure("connection refused"))
    }

    #if os(Linux)
    /// A listener whose accept queue is full drops SYNs, so the connect hangs and the probe reports "timeout"
    /// at its deadline.
    @Test func fullAcceptQueueTimesOut() async throws {
        let listener = try FullBacklogListener()
        defer { listener.close() }
        let clock = ContinuousClock()
        let start = clock.now
        let outcome = try await TCPProbe(target: listener.address, timeout: .milliseconds(300))
            .run(on: group.next()).get()
        let elapsed = clock.now - start
        #expect(outcome == .failure("timeout"))
        #expect(elapsed >= .milliseconds(250))
        #expect(elapsed < .seconds(3))
    }
    #endif
}
