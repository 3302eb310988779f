import Testing

@testable import TandemConfig

/// `ha.groups` (active-active): each group is an election of its own, decoded with the section's numbers as
/// defaults, its VIPs also in `ha.vips`; `ha.vips` alone stays the single-group form, decoded as before.
///
/// `ConfigFixtures.minimal` takes lines 1-10; `withHA` puts `ha:` on line 11, `listen` 12, `peers` 13,
/// `key_file` 14 and `body` from line 15.
@Suite struct VIPGroupConfigTests {
    typealias F = ConfigFixtures

    static func withHA(_ body: String) -> String {
        F.minimal + """

            ha:
              listen: 198.18.0.11:7946
              peers: [198.18.0.12:7946]
              key_file: /etc/tandem/ha.key

            """ + body
    }

    static func vip(_ address: String, prefix: Int = 24) -> VIPSettings {
        VIPSettings(address: CIDRSpec(address: address, prefixLength: prefix, isIPv6: false), interface: "eth0")
    }

    /// Two groups: lines 16 (`- name: web-a`) to 22.
    static let twoGroups = """
          priority: 120
          preempt: false
          groups:
            - name: web-a
              vips:
                - { address: 198.18.0.100/24, interface: eth0 }
              priority: 150
              preempt: true
              preempt_delay: 2s
            - name: web-b
              vips:
                - { address: 198.18.0.101/24, interface: eth0 }
                - { address: 198.18.0.102/24, interface: eth0 }
        """

    // MARK: Decoding

    /// Without `groups:` nothing changes: no declared groups, and `groups` is the one implicit election.
    @Test func singleGroupFormIsUnchanged() throws {
        let yaml = Self.withHA(
            """
              priority: 150
              preempt_delay: 3s
              vips:
                - { address: 198.18.0.100/24, interface: eth0 }
            """
        )
        let ha = try #require(try ConfigLoader.parse(yaml: yaml, file: "t.yaml").ha)
        #expect(ha.declaredGroups == nil)
        #expect(ha.vips == [Self.vip("198.18.0.100")])
        #expect(
            ha.groups == [
                VIPGroupSettings(
                    name: "default",
                    vips: [Self.vip("198.18.0.100")],
                    priority: 150,
                    preempt: true,
                    preemptDelay: .seconds(3)
                )
            ]
        )
        #expect(VIPGroupSettings.implicitName == "default")
    }

    /// A group's own numbers win; what it leaves out comes from the `ha:` section (or its defaults), and
    /// `ha.vips` is every group's VIPs in file order.
    @Test func groupsInheritTheSectionsNumbers() throws {
        let ha = try #require(try ConfigLoader.parse(yaml: Self.withHA(Self.twoGroups), file: "t.yaml").ha)
        let expected = [
            VIPGroupSettings(
                name: "web-a",
                vips: [Self.vip("198.18.0.100")],
                priority: 150,
                preempt: true,
                preemptDelay: .seconds(2)
            ),
            VIPGroupSettings(
                name: "web-b",
                vips: [Self.vip("198.18.0.101"), Self.vip("198.18.0.102")],
                priority: 120,
                preempt: false,
                preemptDelay: .seconds(5)
            ),
        ]
        #expect(ha.declaredGroups == expected)
        #expect(ha.groups == expected)
        #expect(ha.vips == [Self.vip("198.18.0.100"), Self.vip("198.18.0.101"), Self.vip("198.18.0.102")])
        #expect(ha.priority == 120 && ha.preempt == false)
    }

    /// `maximumCount` groups are accepted; the names may use every allowed character, up to 63 bytes.
    @Test func sixteenGroupsAndLongNames() throws {
        let long = String(repeating: "a", count: 60) + "._-"
        var body = "  groups:\n"
        for index in 0..<VIPGroupSettings.maximumCount {
            let name = index == 0 ? long : "G\(index)"
            body += "    - { name: \(name), vips: [{ address: 198.18.1.\(index)/24, interface: eth0 }] }\n"
        }
        let ha = try #require(try ConfigLoader.parse(yaml: Self.withHA(body), file: "t.yaml").ha)
        #expect(ha.groups.count == 16 && ha.vips.count == 16)
        #expect(ha.groups.first?.name == long)
    }

    /// The check summary lists the declared groups with their priorities.
    @Test func summaryListsTheGroups() throws {
        let config = try ConfigLoader.parse(yaml: Self.withHA(Self.twoGroups), file: "t.yaml")
        #expect(
            config.summary(file: "t.yaml")
                == "t.yaml: OK — node lb-a, 1 frontend, 1 backend, 1 server, HA with 1 peer and 3 VIPs in 2 groups:"
                + " web-a (1 VIP, priority 150), web-b (2 VIPs, priority 120)"
        )
    }

    // MARK: Errors

    /// `vips` and `groups` exclude each other: the second in the file is reported, whichever it is.
    @Test func vipsAndGroupsTogether() {
        #expect(
            F.errors(
                Self.withHA(
                    """
                      vips:
                        - { address: 198.18.0.100/24, interface: eth0 }
                      groups:
                        - { name: web-a, vips: [{ address: 198.18.0.101/24, interface: eth0 }] }
                    """
                )
            ) == [
                "t.yaml:18: ha.groups: cannot be used with vips: list every VIP under groups, or use vips alone"
                    + " for one group"
            ]
        )
        #expect(
            F.errors(
                Self.withHA(
                    """
                      groups:
                        - { name: web-a, vips: [{ address: 198.18.0.101/24, interface: eth0 }] }
                      vips: [{ address: 198.18.0.100/24, interface: eth0 }]
                    """
                )
            ) == [
                "t.yaml:17: ha.vips: cannot be used with groups: list every VIP under groups, or use vips alone"
                    + " for one group"
            ]
        )
    }

    /// Neither key: the error names both.
    @Test func neitherVIPsNorGroups() {
        #expect(
            F.errors(Self.withHA("  priority: 150")) == [
                "t.yaml:12: ha: expected exactly one of vips (a single group) or groups"
            ]
        )
    }

    @Test func groupsListShape() {
        #expect(F.errors(Self.withHA("  groups: []")) == ["t.yaml:15: ha.groups: must not be empty"])
        #expect(F.errors(Self.withHA("  groups: web-a")) == ["t.yaml:15: ha.groups: expected a list, got \"web-a\""])
        #expect(
            F.errors(Self.withHA("  groups:\n    - web-a")) == [
                "t.yaml:16: ha.groups[0]: expected a mapping, got \"web-a\""
            ]
        )
        var body = "  groups:\n"
        for index in 0...VIPGroupSettings.maximumCount {
            body += "    - { name: g\(index), vips: [{ address: 198.18.1.\(index)/24, interface: eth0 }] }\n"
        }
        #expect(
            F.errors(Self.withHA(body)) == [
                "t.yaml:16: ha.groups: at most 16 groups (they all travel in one heartbeat), got 17"
            ]
        )
    }

    @Test func groupKeys() {
        #expect(
            F.errors(
                Self.withHA(
                    """
                      groups:
                        - name: web-a
                          vip: [{ address: 198.18.0.100/24, interface: eth0 }]
                          priority: 255
                          preempt: yes
                          preempt_delay: 5
                    """
                )
            ) == [
                "t.yaml:16: ha.groups[0].vips: is required",
                "t.yaml:17: ha.groups[0].vip: unknown key (expected one of: name, vips, priority, preempt,"
                    + " preempt_delay)",
                "t.yaml:18: ha.groups[0].priority: must be between 1 and 254, got 255",
                "t.yaml:19: ha.groups[0].preempt: expected true or false, got yes",
                "t.yaml:20: ha.groups[0].preempt_delay: expected a duration like 100ms, 2s or 5m, got 5"
                    + " (add a unit: us, ms, s, m or h)",
            ]
        )
        #expect(
            F.errors(
                Self.withHA(
                    """
                      groups:
                        - vips: []
                    """
                )
            ) == [
                "t.yaml:16: ha.groups[0].name: is required",
                "t.yaml:16: ha.groups[0].vips: must not be empty",
            ]
        )
    }

    /// Names: 1-63 bytes of `[A-Za-z0-9._-]`, unique.
    @Test func groupNames() {
        let long = String(repeating: "a", count: 64)
        #expect(
            F.errors(
                Self.withHA(
                    """
                      groups:
                        - { name: \(long), vips: [{ address: 198.18.0.100/24, interface: eth0 }] }
                        - { name: web a, vips: [{ address: 198.18.0.101/24, interface: eth0 }] }
                        - { name: wéb, vips: [{ address: 198.18.0.102/24, interface: eth0 }] }
                        - { name: "", vips: [{ address: 198.18.0.103/24, interface: eth0 }] }
                        - { name: 7, vips: [{ address: 198.18.0.104/24, interface: eth0 }] }
                    """
                )
            ) == [
                "t.yaml:16: ha.groups[0].name: must be 1-63 characters of A-Z, a-z, 0-9, '.', '_' and '-', got"
                    + " \"\(long)\"",
                "t.yaml:17: ha.groups[1].name: must be 1-63 characters of A-Z, a-z, 0-9, '.', '_' and '-', got"
                    + " \"web a\"",
                "t.yaml:18: ha.groups[2].name: must be 1-63 characters of A-Z, a-z, 0-9, '.', '_' and '-', got"
                    + " \"wéb\"",
                "t.yaml:19: ha.groups[3].name: must not be empty",
                "t.yaml:20: ha.groups[4].name: expected a string, got 7",
            ]
        )
        #expect(
            F.errors(
                Self.withHA(
                    """
                      groups:
                        - { name: web-a, vips: [{ address: 198.18.0.100/24, interface: eth0 }] }
                        - { name: web-a, vips: [{ address: 198.18.0.101/24, interface: eth0 }] }
                    """
                )
            ) == ["t.yaml:17: ha.groups[1].name: duplicate group name \"web-a\" (first used on line 16)"]
        )
    }

    /// An address in two groups would have two elections deciding who holds it: the error names both groups.
    /// Twice in one group it is the plain duplicate, as in the single-group form.
    @Test func vipInTwoGroups() {
        #expect(
            F.errors(
                Self.withHA(
                    """
                      groups:
                        - name: web-a
                          vips:
                            - { address: 198.18.0.100/24, interface: eth0 }
                        - name: web-b
                          vips:
                            - { address: 198.18.0.101/24, interface: eth0 }
                            - { address: 198.18.0.100/25, interface: eth1 }
                    """
                )
            ) == [
                "t.yaml:22: ha.groups[1].vips[1].address: VIP address \"198.18.0.100\" is in group web-a (line 18)"
                    + " and in group web-b: a VIP belongs to one group"
            ]
        )
        #expect(
            F.errors(
                Self.withHA(
                    """
                      groups:
                        - name: web-a
                          vips:
                            - { address: 198.18.0.100/24, interface: eth0 }
                            - { address: 198.18.0.100/24, interface: eth0 }
                    """
                )
            ) == [
                "t.yaml:19: ha.groups[0].vips[1].address: duplicate VIP address \"198.18.0.100\""
                    + " (first used on line 18)"
            ]
        )
        #expect(
            F.errors(
                Self.withHA(
                    """
                      vips:
                        - { address: 198.18.0.100/24, interface: eth0 }
                        - { address: 198.18.0.100/24, interface: eth1 }
                    """
                )
            ) == ["t.yaml:17: ha.vips[1].address: duplicate VIP address \"198.18.0.100\" (first used on line 16)"]
        )
    }
}
