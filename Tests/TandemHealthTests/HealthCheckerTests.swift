import Logging
import NIOCore
import NIOPosix
import TandemBalancing
import Testing

@testable import TandemHealth

@Suite struct HealthCheckerTests {
    /// One reported transition.
    struct Transition: Sendable, Equatable {
        var serverIndex: Int
        var health: HealthCounter.Health
        var reason: String
    }

    let group = MultiThreadedEventLoopGroup.singleton

    private func makeChecker(
        targets: [HealthChecker.Target],
        interval: TimeAmount = .milliseconds(50),
        seed: UInt64 = 1,
        logLines: AwaitableLog<String> = AwaitableLog(),
        transitions: AwaitableLog<Transition> = AwaitableLog()
    ) -> HealthChecker {
        let logger = Logger(label: "test.health") { _ in RecordingLogHandler(lines: logLines) }
        return HealthChecker(
            backendName: "app",
            targets: targets,
            interval: interval,
            rise: 2,
            fall: 3,
            eventLoop: group.next(),
            logger: logger,
            randomSource: SplitMix64(seed: seed)
        ) { serverIndex, health, reason in
            transitions.append(Transition(serverIndex: serverIndex, health: health, reason: reason))
        }
    }

    private func httpTarget(
        _ index: Int,
        _ address: SocketAddress,
        timeout: TimeAmount = .seconds(1)
    )
        -> HealthChecker.Target
    {
        let probe = HTTPProbe(target: address, path: "/be\(index)", host: nil, expectStatus: 200, timeout: timeout)
        return HealthChecker.Target(serverIndex: index, serverName: "be\(index)", probe: .http(probe))
    }

    /// 503s take the server DOWN after `fall` failures with the status as reason; 200s bring it back UP after
    /// `rise` successes; each transition is one log line.
    @Test func goesDownOnFailuresAndUpOnRecovery() async throws {
        let backend = try await TestHTTPBackend(group: group)
        let logLines = AwaitableLog<String>()
        let transitions = AwaitableLog<Transition>()
        let checker = makeChecker(
            targets: [httpTarget(2, backend.address)],
            logLines: logLines,
            transitions: transitions
        )
        checker.start()
        #expect(await backend.stats.wait { $0.requests >= 3 })
        #expect(transitions.elements.isEmpty)
        #expect(checker.health(of: 2) == .up)

        backend.setStatus(503)
        #expect(await transitions.wait { $0.count >= 1 })
        let down = try #require(transitions.elements.first)
        #expect(down.serverIndex == 2 && down.health == .down)
        #expect(down.reason.contains("status 503"))
        #expect(checker.health(of: 2) == .down)

        backend.setStatus(200)
        #expect(await transitions.wait { $0.count >= 2 })
        #expect(transitions.elements.last == Transition(serverIndex: 2, health: .up, reason: "2 successes in a row"))
        #expect(checker.health(of: 2) == .up)

        try await checker.stop().get()
        #expect(
            logLines.elements == [
                "warning: backend app server be2 is DOWN (status 503, 3 failures in a row)",
                "notice: backend app server be2 is UP (2 successes in a row)",
            ]
        )
        try await backend.close()
    }

    /// A refused TCP probe takes the server DOWN with "connection refused" as reason.
    @Test func tcpRefusedGoesDown() async throws {
        let address = try await RawTCPServer.closedPort(group: group)
        let transitions = AwaitableLog<Transition>()
        let probe = TCPProbe(target: address, timeout: .seconds(1))
        let checker = makeChecker(
            targets: [HealthChecker.Target(serverIndex: 0, serverName: "be0", probe: .tcp(probe))],
            transitions: transitions
        )
        checker.start()
        #expect(await transitions.wait { $0.count >= 1 })
        #expect(
            transitions.elements.first
                == Transition(serverIndex: 0, health: .down, reason: "connection refused, 3 failures in a row")
        )
        try await checker.stop().get()
    }

    /// With 5 targets the first probes arrive spread over the interval, each after the delay the seeded
    /// jitter planned for it, not all at once.
    @Test func firstProbesAreSpread() async throws {
        let backend = try await TestHTTPBackend(group: group)
        let interval = TimeAmount.seconds(1)
        let seed: UInt64 = 42
        var random = SplitMix64(seed: seed)
        let planned = (0..<5).map { _ in
            Duration.nanoseconds(HealthChecker.firstDelay(interval: interval, using: &random).nanoseconds)
        }
        let plannedSpread = planned.max()! - planned.min()!
        try #require(plannedSpread > .milliseconds(500), "the seed must give a meaningful spread")

        let targets = (0..<5).map { httpTarget($0, backend.address) }
        let checker = makeChecker(targets: targets, interval: interval, seed: seed)
        let start = ContinuousClock.now
        checker.start()
        #expect(await backend.stats.wait { $0.firstRequestByURI.count == 5 })
        try await checker.stop().get()

        let firstRequests = backend.stats.snapshot.firstRequestByURI
        let offsets = try (0..<5).map { try #require(firstRequests["/be\($0)"]) - start }
        // Each first probe comes after its planned delay, late by at most the (generous) scheduling slack.
        let slack = Duration.milliseconds(400)
        for (offset, plan) in zip(offsets, planned) {
            #expect(offset >= plan && offset < plan + slack, "offset \(offset), planned \(plan)")
        }
        #expect(offsets.max()! - offsets.min()! > plannedSpread - slack)
        try await backend.close()
    }

    /// stop() waits for the probes in flight, which close their connections: it returns no earlier than their
    /// deadline, the server ends with no connection open, and no probe starts afterwards.
    @Test func stopLeavesNoOpenConnections() async throws {
        let server = try await RawTCPServer(group: group, behavior: .silent)
        let timeout = TimeAmount.milliseconds(400)
        let targets = (0..<3).map { httpTarget($0, server.address, timeout: timeout) }
        let checker = makeChecker(targets: targets, interval: .milliseconds(50))
        checker.start()
        #expect(await server.stats.wait { $0.open >= 3 })
        try await checker.stop().get()
        let stopped = ContinuousClock.now
        let snapshotAtStop = server.stats.snapshot
        // The last probe connected no earlier than it started, and its deadline is `timeout` after its start.
        let lastOpened = try #require(snapshotAtStop.openTimes.last)
        #expect(stopped - lastOpened >= .milliseconds(300))
        #expect(await server.stats.wait { $0.open == 0 })
        #expect(server.stats.snapshot.opened == snapshotAtStop.opened)
        try await server.close()
    }
}
