import Foundation
import Logging
import NIOCore
import NIOPosix
import Testing

@testable import TandemNetlink

/// The helper against a real veth interface in network namespaces the test creates (needs root).
@Suite(
    .enabled(
        if: NamespaceLab.isAvailable,
        "needs root and iproute2 (/usr/sbin/ip) to create network namespaces and add addresses"
    )
)
struct VIPHelperNamespaceTests {
    static let vip = VIP(parsing: "198.18.5.100/24")!

    /// Starts a helper on the lab's helper loop (inside the helper namespace), allowing only 198.18.5.100/24 on
    /// the helper interface, runs `body` with it and a connected client, and stops both.
    func withHelper(
        _ lab: NamespaceLab,
        count: Int = 3,
        spacing: Duration = .milliseconds(100),
        refresh: Duration = .seconds(30),
        _ body: (VIPHelperServer, VIPHelperClient) async throws -> Void
    ) async throws {
        let configuration = VIPHelperConfiguration(
            socketPath: "/tmp/tnl-\(lab.tag).sock",
            allow: [VIPAllowRule(vip: Self.vip, interface: lab.helperInterface)],
            announcementCount: count,
            announcementSpacing: spacing,
            refreshInterval: refresh
        )
        let server = try await VIPHelperServer.start(
            configuration: configuration,
            eventLoop: lab.helperLoop,
            logger: Logger(label: "test.vip-helper") { _ in SwiftLogNoOpLogHandler() }
        )
        do {
            let client = try await VIPHelperClient.connect(socketPath: configuration.socketPath)
            try await body(server, client)
            await client.close()
            await server.close()
        } catch {
            await server.close()
            throw error
        }
    }

    /// Claim adds the address, a second claim finds it present; release removes it, a second release finds
    /// it gone. Each step is reported with its result.
    @Test func claimAndReleaseAreIdempotent() async throws {
        try await NamespaceLab.with { lab in
            try await withHelper(lab) { _, client in
                let unclaimed = await #expect(throws: VIPHelperClientError.self) {
                    try await client.announce(vip: Self.vip, interface: lab.helperInterface)
                }
                #expect(unclaimed?.detail.hasSuffix("is not claimed through this helper: claim it first") == true)

                let first = try await client.claim(vip: Self.vip, interface: lab.helperInterface)
                #expect(first.step("netlink-add")?.result == "added")
                #expect(try lab.helperAddresses().contains("198.18.5.100/24"))

                let second = try await client.claim(vip: Self.vip, interface: lab.helperInterface)
                #expect(second.step("netlink-add")?.result == "already-present")
                #expect(try lab.helperAddresses().filter { $0 == "198.18.5.100/24" }.count == 1)
                let announce = try await client.announce(vip: Self.vip, interface: lab.helperInterface)
                #expect(announce.steps.map(\.step) == ["garp"])

                let release = try await client.release(vip: Self.vip, interface: lab.helperInterface)
                #expect(release.step("netlink-delete")?.result == "removed")
                #expect(try lab.helperAddresses() == ["198.18.5.1/24"])

                let again = try await client.release(vip: Self.vip, interface: lab.helperInterface)
                #expect(again.step("netlink-delete")?.result == "already-gone")
                #expect(try lab.helperAddresses() == ["198.18.5.1/24"])
            }
        }
    }

    /// Another address, another prefix length or another interface than the allow list names: refused with
    /// the pair named, and nothing touched.
    @Test func outsideTheAllowListIsRefused() async throws {
        try await NamespaceLab.with { lab in
            try await withHelper(lab) { _, client in
                let refused: [(String, String)] = [
                    ("198.18.5.200/24", lab.helperInterface),
                    ("198.18.5.100/25", lab.helperInterface),
                    ("198.18.5.100/24", "lo"),
                ]
                for (text, interface) in refused {
                    let vip = try #require(VIP(parsing: text))
                    let error = await #expect(throws: VIPHelperClientError.self) {
                        try await client.claim(vip: vip, interface: interface)
                    }
                    #expect(error?.code == .refused)
                    #expect(error?.detail == "\(text)@\(interface) is not in the allow list")
                }
                let release = await #expect(throws: VIPHelperClientError.self) {
                    try await client.release(vip: VIP(parsing: "198.18.5.1/24")!, interface: lab.helperInterface)
                }
                #expect(release?.code == .refused)
                #expect(try lab.helperAddresses() == ["198.18.5.1/24"])
            }
        }
    }

    /// When the claiming connection closes, the helper releases its VIP, but only once no other open
    /// connection holds a claim on it.
    @Test func droppedConnectionReleasesItsVIPs() async throws {
        try await NamespaceLab.with { lab in
            try await withHelper(lab) { server, client in
                let other = try await VIPHelperClient.connect(socketPath: server.configuration.socketPath)
                _ = try await client.claim(vip: Self.vip, interface: lab.helperInterface)
                _ = try await other.claim(vip: Self.vip, interface: lab.helperInterface)
                #expect(try await other.list().first?.claimants == 2)

                await other.close()
                let listed = try await client.list()
                #expect(listed.count == 1)
                #expect(listed.first?.present == true)
                #expect(try lab.helperAddresses().contains("198.18.5.100/24"))

                await client.close()
                let released = try await lab.waitForHelperAddresses { !$0.contains("198.18.5.100/24") }
                #expect(released, "the VIP must be released once its last claimant disconnects")
            }
        }
    }

    /// The claim's gratuitous ARPs reach the other namespace: three of them, from the helper interface's
    /// MAC, sender and target IP both the VIP, at least the configured spacing apart.
    @Test func gratuitousARPIsSeenByTheNeighbour() async throws {
        try await NamespaceLab.with { lab in
            let capture = try await ARPCapture(interface: lab.observerInterface, loop: lab.observerLoop)
            let mac = try await lab.helperHardwareAddress()
            try await withHelper(lab) { _, client in
                let report = try await client.claim(vip: Self.vip, interface: lab.helperInterface)
                let garp = try #require(report.step("garp"))
                #expect(garp.count == 3)
                #expect(garp.plannedMs == 200)

                let frames = try await capture.frames(count: 3, within: .seconds(3)) { Self.isGratuitousARP($0) }
                #expect(frames.count == 3)
                for frame in frames {
                    #expect(Array(frame.bytes[6..<12]) == mac, "Ethernet source is the helper interface")
                    #expect(Array(frame.bytes[22..<28]) == mac, "ARP sender hardware address")
                }
                if frames.count == 3 {
                    #expect(frames[1].arrival - frames[0].arrival >= .milliseconds(90))
                    #expect(frames[2].arrival - frames[0].arrival >= .milliseconds(190))
                }
            }
        }
    }

    /// While claimed, the announcement is refreshed every `refresh`; after release it stops.
    @Test func announcementIsRefreshedWhileClaimed() async throws {
        try await NamespaceLab.with { lab in
            let capture = try await ARPCapture(interface: lab.observerInterface, loop: lab.observerLoop)
            try await withHelper(lab, count: 1, refresh: .milliseconds(250)) { _, client in
                _ = try await client.claim(vip: Self.vip, interface: lab.helperInterface)
                let frames = try await capture.frames(count: 3, within: .seconds(3)) { Self.isGratuitousARP($0) }
                #expect(frames.count == 3)
                if frames.count == 3 {
                    #expect(frames[2].arrival - frames[0].arrival >= .milliseconds(490))
                }
                _ = try await client.release(vip: Self.vip, interface: lab.helperInterface)
                let after = try await capture.frames(count: 1, within: .milliseconds(600)) { Self.isGratuitousARP($0) }
                #expect(after.isEmpty, "no announcement after release")
            }
        }
    }

    /// The socket is created with mode 0660; closing the server releases the claimed VIPs, closes the client
    /// connection and removes the socket file.
    @Test func socketModeAndShutdownRelease() async throws {
        try await NamespaceLab.with { lab in
            try await withHelper(lab) { server, client in
                let path = server.configuration.socketPath
                let attributes = try FileManager.default.attributesOfItem(atPath: path)
                #expect((attributes[.posixPermissions] as? Int) == 0o660)

                _ = try await client.claim(vip: Self.vip, interface: lab.helperInterface)
                await server.close()
                try await client.closeFuture.get()
                #expect(try lab.helperAddresses() == ["198.18.5.1/24"])
                #expect(!FileManager.default.fileExists(atPath: path))
                let error = await #expect(throws: VIPHelperClientError.self) { try await client.list() }
                #expect(error?.code == .connectionClosed)
            }
        }
    }

    /// A line that is not a request gets an error reply and the connection stays usable; a line longer than
    /// 64 KiB closes the connection instead of being buffered.
    @Test func malformedAndOverlongLines() async throws {
        try await NamespaceLab.with { lab in
            try await withHelper(lab) { server, _ in
                let raw = try RawLineClient(path: server.configuration.socketPath)
                raw.write(Array("not json\n".utf8))
                #expect(raw.readLine()?.contains(#""ok":false"#) == true)
                raw.write(Array(#"{"op":"list"}"#.utf8) + [UInt8(ascii: "\n")])
                #expect(raw.readLine() == #"{"ok":true,"vips":[]}"#)

                let flood = try RawLineClient(path: server.configuration.socketPath)
                flood.write([UInt8](repeating: UInt8(ascii: "x"), count: 70_000))
                #expect(flood.readLine() == nil, "the helper closes a connection whose line exceeds 64 KiB")
            }
        }
    }

    /// ARP request, sender IP = target IP = 198.18.5.100.
    static func isGratuitousARP(_ frame: [UInt8]) -> Bool {
        frame.count >= 42 && frame[12] == 0x08 && frame[13] == 0x06 && frame[20] == 0 && frame[21] == 1
            && Array(frame[28..<32]) == [198, 18, 5, 100] && Array(frame[38..<42]) == [198, 18, 5, 100]
    }
}
