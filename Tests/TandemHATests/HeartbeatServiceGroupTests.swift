import NIOCore
import NIOPosix
import Testing

@testable import TandemHA

/// The heartbeat service with VIP groups, on loopback: real sockets, real signed packets.
@Suite("Heartbeat service with VIP groups")
struct HeartbeatServiceGroupTests {
    let keyring = HeartbeatFixtures.keyring(HeartbeatFixtures.key(id: 1, fill: 0x5A))

    struct Node {
        let service: HeartbeatService
        /// One recording controller per group.
        let vips: [String: RecordingVIPController]
    }

    func makeNode(_ name: String, priorities: [(String, Int)]) async throws -> Node {
        var configuration = try HeartbeatServiceFixtures.configuration(
            name: name,
            priority: 100,
            interval: .milliseconds(50),
            keyring: keyring
        )
        configuration.groups = priorities.map {
            HeartbeatService.Group(name: $0.0, priority: $0.1, preempt: true, preemptDelay: .milliseconds(300))
        }
        let vips = Dictionary(uniqueKeysWithValues: priorities.map { ($0.0, RecordingVIPController()) })
        let service = HeartbeatService(configuration: configuration, vipControllers: { vips[$0]! })
        try await service.bind()
        return Node(service: service, vips: vips)
    }

    func group(_ node: Node, _ name: String) -> HeartbeatStatus.GroupStatus? {
        node.service.status().groups.first { $0.name == name }
    }

    /// Two nodes, two groups: each claims the group it outranks through that group's controller only, and the
    /// status shows each group and the peer's state in it.
    @Test func eachNodeClaimsItsGroupThroughItsController() async throws {
        let first = try await makeNode("lb-a", priorities: [("web-a", 150), ("web-b", 100)])
        let second = try await makeNode("lb-b", priorities: [("web-a", 100), ("web-b", 150)])
        first.service.setPeers([try #require(second.service.localAddress)])
        second.service.setPeers([try #require(first.service.localAddress)])
        let runs = [Task { try await first.service.run() }, Task { try await second.service.run() }]
        defer { for run in runs { run.cancel() } }
        #expect(await first.vips["web-a"]!.next(.claim, within: .seconds(5)))
        #expect(await second.vips["web-b"]!.next(.claim, within: .seconds(5)))
        #expect(await eventually(within: .seconds(3)) { group(first, "web-b")?.peerState == .active })
        #expect(first.vips["web-b"]!.calls.allSatisfy { $0 == .release })
        #expect(second.vips["web-a"]!.calls.allSatisfy { $0 == .release })
        let status = first.service.status()
        #expect(status.state == .active)
        #expect(status.groups.map(\.name) == ["web-a", "web-b"])
        #expect(group(first, "web-a")?.state == .active)
        #expect(group(first, "web-b")?.state == .standby)
        #expect(group(first, "web-a")?.peerState == .standby)
        #expect(status.groupMismatch == nil)

        // lb-a stops: it releases web-a and says FAULT; lb-b claims web-a at once.
        runs[0].cancel()
        _ = try? await runs[0].value
        #expect(await second.vips["web-a"]!.next(.claim, within: .seconds(2)))
        #expect(first.vips["web-a"]!.calls.last == .release)
    }

    /// A peer on protocol version 2 (an old node during an upgrade) is refused with a clear message, and what
    /// it claims (ACTIVE, outranking us) keeps this node from claiming any group; it never makes one.
    @Test func anOldPeerIsRefusedClearlyAndOnlySuppresses() async throws {
        let node = try await makeNode("lb-a", priorities: [("web-a", 150), ("web-b", 100)])
        let address = try #require(node.service.localAddress)
        node.service.setPeers([try SocketAddress(ipAddress: "127.0.0.1", port: 9)])
        let run = Task { try await node.service.run() }
        defer { run.cancel() }
        // Version 2's layout: state ACTIVE, flags 0, priority 200 at 24+N, then the clocks and a MAC.
        func versionTwo(sequence: UInt8) -> [UInt8] {
            Heartbeat.magic + [2, 1, 1, 4] + Array("lb-b".utf8) + [0, 0, 0, 0, 0, 0, 0, 9]
                + [0, 0, 0, 0, 0, 0, 0, sequence] + [2, 0, 0, 200] + [UInt8](repeating: 1, count: 24 + 32)
        }
        let sender = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        defer { sender.close(promise: nil) }
        for sequence in 1...40 {
            let buffer = sender.allocator.buffer(bytes: versionTwo(sequence: UInt8(sequence)))
            try await sender.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: buffer))
            try await Task.sleep(for: .milliseconds(20))
        }
        let status = node.service.status()
        #expect(
            status.untrustedPeer?.problem
                == "heartbeats from lb-b speak protocol version 2, this node 3: upgrade both nodes"
        )
        #expect(status.rejections[.unknownVersion] == 40)
        #expect(status.groups.allSatisfy { $0.state != .active })
        #expect(node.vips.values.allSatisfy { $0.calls.allSatisfy { $0 == .release } })
    }
}
