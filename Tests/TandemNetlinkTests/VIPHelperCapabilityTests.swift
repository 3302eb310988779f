import CNetlink
import Logging
import NIOCore
import Testing

@testable import TandemNetlink

/// Without its capabilities the helper says which one it needs. The capability is dropped from the effective
/// set of the helper's event-loop thread only (capabilities are per thread), inside a test namespace.
@Suite(
    .enabled(
        if: NamespaceLab.isAvailable,
        "needs root and iproute2 (/usr/sbin/ip) to create network namespaces and drop capabilities"
    )
)
struct VIPHelperCapabilityTests {
    static let capNetAdmin: CInt = 12
    static let capNetRaw: CInt = 13
    static let vip = VIP(parsing: "198.18.5.100/24")!

    func startHelper(_ lab: NamespaceLab, dropping capability: CInt) async throws -> VIPHelperServer {
        let dropped = try await lab.helperLoop.submit { CNetlink_set_effective_capability(capability, 0) }.get()
        try #require(dropped == 0)
        return try await VIPHelperServer.start(
            configuration: VIPHelperConfiguration(
                socketPath: "/tmp/tnl-\(lab.tag).sock",
                allow: [VIPAllowRule(vip: Self.vip, interface: lab.helperInterface)]
            ),
            eventLoop: lab.helperLoop,
            logger: Logger(label: "test.vip-helper") { _ in SwiftLogNoOpLogHandler() }
        )
    }

    /// Without CAP_NET_ADMIN the kernel refuses RTM_NEWADDR with EPERM; the reply names the capability.
    @Test func withoutNetAdminTheClaimNamesTheCapability() async throws {
        try await NamespaceLab.with { lab in
            let server = try await startHelper(lab, dropping: Self.capNetAdmin)
            let client = try await VIPHelperClient.connect(socketPath: server.configuration.socketPath)
            let error = await #expect(throws: VIPHelperClientError.self) {
                try await client.claim(vip: Self.vip, interface: lab.helperInterface)
            }
            #expect(error?.code == .refused)
            #expect(error?.detail.contains("needs CAP_NET_ADMIN") == true, "\(error?.detail ?? "")")
            #expect(try lab.helperAddresses() == ["198.18.5.1/24"])
            await client.close()
            await server.close()
        }
    }

    /// Without CAP_NET_RAW the address is added but the announcement cannot be sent: the reply names the
    /// capability and carries the netlink step; the connection still owns the VIP and its close releases it.
    @Test func withoutNetRawTheAnnouncementNamesTheCapability() async throws {
        try await NamespaceLab.with { lab in
            let server = try await startHelper(lab, dropping: Self.capNetRaw)
            let client = try await VIPHelperClient.connect(socketPath: server.configuration.socketPath)
            let error = await #expect(throws: VIPHelperClientError.self) {
                try await client.claim(vip: Self.vip, interface: lab.helperInterface)
            }
            #expect(error?.detail.contains("needs CAP_NET_RAW") == true, "\(error?.detail ?? "")")
            #expect(error?.steps.first { $0.step == "netlink-add" }?.result == "added")
            #expect(try lab.helperAddresses().contains("198.18.5.100/24"))
            await client.close()
            #expect(try await lab.waitForHelperAddresses { !$0.contains("198.18.5.100/24") })
            await server.close()
        }
    }
}
