import TandemConfig
import TandemHA
import Testing

@testable import TandemControl

/// How the `ha:` section's groups reach the heartbeat service.
@Suite("HA runtime groups")
struct HARuntimeGroupsTests {
    static func settings(groups: [VIPGroupSettings]?) -> HASettings {
        let vip = VIPSettings(address: CIDRSpec(configString: "198.18.0.100/24")!, interface: "eth0")
        return HASettings(
            listen: SocketAddressSpec(configString: "198.18.0.11:7946")!,
            peers: [SocketAddressSpec(configString: "198.18.0.12:7946")!],
            keyFile: "/etc/tandem/ha.key",
            priority: 120,
            vips: groups?.flatMap(\.vips) ?? [vip],
            declaredGroups: groups
        )
    }

    /// The config's implicit group and the service's carry one name, so status, reload and handover find each
    /// other's groups by name in the single-group form too.
    @Test func theImplicitGroupHasOneName() {
        #expect(VIPGroupSettings.implicitName == HeartbeatService.implicitGroupName)
        #expect(Self.settings(groups: nil).groups.map(\.name) == [HeartbeatService.implicitGroupName])
    }

    /// The single-group form gives the service no declared group (it makes the implicit one from the machine's
    /// numbers); the groups form passes each group's own numbers.
    @Test func declaredGroupsCarryTheirOwnNumbers() {
        #expect(HARuntime.serviceGroups(Self.settings(groups: nil)).isEmpty)
        let vip = VIPSettings(address: CIDRSpec(configString: "198.18.0.101/24")!, interface: "eth0")
        let groups = [
            VIPGroupSettings(name: "web-b", vips: [vip], priority: 150, preempt: false, preemptDelay: .seconds(2))
        ]
        #expect(
            HARuntime.serviceGroups(Self.settings(groups: groups)) == [
                HeartbeatService.Group(name: "web-b", priority: 150, preempt: false, preemptDelay: .seconds(2))
            ]
        )
    }
}
