import Logging
import NIOPosix
import ServiceLifecycle
import ServiceLifecycleTestKit
import Synchronization
import TandemNetlink
import Testing

@testable import TandemControl

/// The daemon's VIP controller against a fake helper on a real Unix socket.
@Suite struct HelperVIPControllerTests {
    private static let bindings = [
        VIPBinding(vip: VIP(parsing: "198.18.0.100/24")!, interface: "eth0"),
        VIPBinding(vip: VIP(parsing: "198.18.0.101/24")!, interface: "eth1"),
    ]

    private static func controller(
        _ helper: FakeVIPHelper,
        store: RecordingLogHandler.Store
    ) async throws -> HelperVIPController {
        let path = helper.path
        let connect: HelperVIPController.Connect = { try await VIPHelperClient.connect(socketPath: path) }
        return HelperVIPController(
            bindings: bindings,
            client: try await connect(),
            connect: connect,
            logger: Logger(label: "test", factory: { _ in RecordingLogHandler(store: store) })
        )
    }

    /// Claim, re-announce and release go to the helper for every VIP in order; each claim is logged on one
    /// line with its steps and their durations.
    @Test func callsEveryVIPInOrderAndLogsSteps() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let helper = try await FakeVIPHelper.start(path: directory.file("vip.sock"))
        let store = RecordingLogHandler.Store()
        let controller = try await Self.controller(helper, store: store)
        try await controller.claim()
        try await controller.reannounce()
        try await controller.release()
        #expect(
            helper.requests == [
                "claim 198.18.0.100/24@eth0", "claim 198.18.0.101/24@eth1",
                "announce 198.18.0.100/24@eth0", "announce 198.18.0.101/24@eth1",
                "release 198.18.0.100/24@eth0", "release 198.18.0.101/24@eth1",
            ]
        )
        let claimLine = try #require(
            store.messages.withLock { $0.first { $0.hasPrefix("claimed 198.18.0.100/24@eth0") } }
        )
        #expect(claimLine.hasSuffix("ms (netlink-add 0.402 ms added)"), "\(claimLine)")
        await helper.stop()
    }

    /// A dropped helper connection is reported (false), then the controller reconnects, releases every VIP
    /// on the new connection and reports true.
    @Test func reconnectsAfterTheHelperDropsTheConnection() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let helper = try await FakeVIPHelper.start(path: directory.file("vip.sock"))
        let controller = try await Self.controller(helper, store: RecordingLogHandler.Store())
        let (changes, continuation) = AsyncStream.makeStream(of: Bool.self)
        controller.onConnectionChange { continuation.yield($0) }
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await controller.run() }
                // An answered request proves the fake has accepted (and can drop) the connection.
                try await controller.reannounce()
                await helper.dropConnections()
                var iterator = changes.makeAsyncIterator()
                #expect(await iterator.next() == false)
                #expect(await iterator.next() == true)
                #expect(helper.connectionCount == 2)
                #expect(
                    helper.requests.suffix(2) == ["release 198.18.0.100/24@eth0", "release 198.18.0.101/24@eth1"]
                )
                try await controller.claim()
                #expect(helper.requests.last == "claim 198.18.0.101/24@eth1")
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
        await helper.stop()
    }

    /// While the helper is gone a call fails at once with a clear reason instead of hanging.
    @Test func callWithoutConnectionFails() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let helper = try await FakeVIPHelper.start(path: directory.file("vip.sock"))
        let controller = try await Self.controller(helper, store: RecordingLogHandler.Store())
        let (changes, continuation) = AsyncStream.makeStream(of: Bool.self)
        controller.onConnectionChange { continuation.yield($0) }
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await controller.run() }
                try await controller.reannounce()
                await helper.stop()
                var iterator = changes.makeAsyncIterator()
                #expect(await iterator.next() == false)
                await #expect(throws: HelperVIPControllerError(failures: ["no connection to the VIP helper"])) {
                    try await controller.claim()
                }
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }
}
