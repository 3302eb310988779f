import NIOCore
import NIOPosix
import Testing

@testable import TandemHA

#if canImport(Glibc)
import Glibc
#endif

@Suite("Heartbeat service on loopback")
struct HeartbeatServiceTests {
    static let interval = Duration.milliseconds(50)
    static let deadWindow = interval * 3
    let keyring = HeartbeatFixtures.keyring(HeartbeatFixtures.key(id: 1, fill: 0x5A))

    struct Node {
        let service: HeartbeatService
        let vips: RecordingVIPController
    }

    func makeNode(_ name: String, priority: Int) async throws -> Node {
        let vips = RecordingVIPController()
        let configuration = try HeartbeatServiceFixtures.configuration(
            name: name,
            priority: priority,
            interval: Self.interval,
            keyring: keyring
        )
        let service = HeartbeatService(configuration: configuration, vipController: vips)
        try await service.bind()
        return Node(service: service, vips: vips)
    }

    /// Connects two bound nodes to each other.
    func pair() async throws -> (Node, Node) {
        let first = try await makeNode("lb-a", priority: 150)
        let second = try await makeNode("lb-b", priority: 100)
        first.service.setPeers([try #require(second.service.localAddress)])
        second.service.setPeers([try #require(first.service.localAddress)])
        return (first, second)
    }

    /// Runs both nodes of ``pair()`` during `body`, then stops both and waits for them to finish.
    func withRunningPair(
        _ body: (Node, Node, Task<Void, any Error>) async throws -> Void
    ) async throws {
        let (first, second) = try await pair()
        let firstRun = Task { try await first.service.run() }
        let secondRun = Task { try await second.service.run() }
        do {
            try await body(first, second, firstRun)
        } catch {
            firstRun.cancel()
            secondRun.cancel()
            throw error
        }
        firstRun.cancel()
        secondRun.cancel()
        _ = try? await firstRun.value
        _ = try? await secondRun.value
    }

    /// The higher-priority node claims, the other stays STANDBY; stopping the ACTIVE makes the other claim
    /// within the dead window (the stopping node even says so at once); RTT and peer state are reported.
    @Test func failoverOnStop() async throws {
        try await withRunningPair { first, second, firstRun in
            #expect(await first.vips.next(.claim, within: .seconds(5)))
            #expect(await eventually(within: .seconds(5)) { second.service.status().state == .standby })
            #expect(await eventually(within: .seconds(5)) { second.service.status().rttMedian != nil })
            #expect(await eventually(within: .seconds(5)) { second.service.status().peer?.state == .active })
            let status = second.service.status()
            #expect(status.peer?.name == "lb-a")
            #expect(status.peer?.state == .active)
            #expect(status.peer?.alive == true)
            #expect(second.vips.calls.allSatisfy { $0 == .release })  // only the release at start

            let stopped = ContinuousClock.now
            firstRun.cancel()
            _ = try? await firstRun.value
            #expect(first.vips.calls.last == .release)
            #expect(await second.vips.next(.claim, within: Self.deadWindow + .seconds(1)))
            let claim = try #require(second.vips.instants(of: .claim).first)
            #expect(stopped.duration(to: claim) < Self.deadWindow + .seconds(1))
            #expect(second.service.status().state == .active)
        }
    }

    /// A peer that falls silent (a crash, a cut path) is declared dead after the dead window — not before.
    @Test func failoverOnSilence() async throws {
        try await withRunningPair { first, second, _ in
            #expect(await first.vips.next(.claim, within: .seconds(5)))
            #expect(await eventually(within: .seconds(5)) { second.service.status().state == .standby })
            #expect(await eventually(within: .seconds(5)) { second.service.status().peer?.state == .active })
            first.service.setPeers([])
            let silenced = ContinuousClock.now
            #expect(await second.vips.next(.claim, within: Self.deadWindow + .seconds(1)))
            let claim = try #require(second.vips.instants(of: .claim).first)
            #expect(silenced.duration(to: claim) >= Self.deadWindow - Self.interval)
            #expect(silenced.duration(to: claim) < Self.deadWindow + .seconds(1))
        }
    }

    /// A forged heartbeat (wrong key) from a raw UDP socket, claiming ACTIVE with the highest priority, is
    /// counted as rejected and changes nothing.
    @Test func forgedPacketIsRejected() async throws {
        try await withRunningPair { first, second, _ in
            #expect(await first.vips.next(.claim, within: .seconds(5)))
            #expect(await eventually(within: .seconds(5)) { second.service.status().state == .standby })
            #expect(await eventually(within: .seconds(5)) { second.service.status().peer?.state == .active })
            let before = second.service.status()

            let forger = HeartbeatFixtures.keyring(HeartbeatFixtures.key(id: 1, fill: 0x00))
            let forged = Heartbeat(
                keyID: 1,
                nodeName: "lb-a",
                bootEpoch: UInt64.max,
                sequence: 1,
                monotonic: HAClocks.boottime(),
                wallClock: HAClocks.wall(),
                echo: 0,
                groups: [Heartbeat.Group(name: "default", state: .active, priority: UInt16.max)]
            ).signed(with: forger)
            try sendRawDatagram(forged, to: try #require(second.service.localAddress))
            #expect(await eventually(within: .seconds(5)) { second.service.status().rejections[.badMAC] == 1 })
            let after = second.service.status()
            #expect(after.state == .standby)
            #expect(after.peer?.priority == before.peer?.priority)
            #expect(after.counters.transitions == before.counters.transitions)
            #expect(second.vips.calls.allSatisfy { $0 == .release })  // only the release at start
        }
    }

    /// Sends one UDP datagram from a plain socket, outside NIO.
    func sendRawDatagram(_ bytes: [UInt8], to address: SocketAddress) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        var target = sockaddr_in()
        target.sin_family = sa_family_t(AF_INET)
        target.sin_port = in_port_t(UInt16(try #require(address.port)).bigEndian)
        target.sin_addr.s_addr = inet_addr("127.0.0.1")
        let sent = bytes.withUnsafeBytes { buffer in
            withUnsafePointer(to: &target) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(
                        descriptor,
                        buffer.baseAddress,
                        buffer.count,
                        0,
                        $0,
                        socklen_t(MemoryLayout<sockaddr_in>.size)
                    )
                }
            }
        }
        #expect(sent == bytes.count)
    }
}
