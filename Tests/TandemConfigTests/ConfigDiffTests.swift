import Foundation
import Testing

@testable import TandemConfig

/// What a reload would change, from two configuration texts: matched by name, with the keys that differ, and
/// the node and HA keys that need a restart kept apart from those applied live.
@Suite struct ConfigDiffTests {
    private func diff(_ edit: (String) -> String) throws -> ConfigDiff {
        let old = try ConfigLoader.parse(yaml: ConfigFixtures.designExample, file: "old.yaml")
        let new = try ConfigLoader.parse(yaml: edit(ConfigFixtures.designExample), file: "new.yaml")
        return ConfigDiff(from: old, to: new)
    }

    /// The same file twice is no change at all.
    @Test func sameFileIsNoChange() throws {
        let diff = try diff { $0 }
        #expect(diff.isEmpty)
        #expect(diff.summary == ["no change"])
    }

    /// A server added, one removed and one re-weighted: the backend changed in `servers` only, and the
    /// server lines say which.
    @Test func serversAddedRemovedAndChanged() throws {
        let diff = try diff {
            $0.replacingOccurrences(
                of: "- { name: be1, address: 198.18.0.21:80, weight: 3 }",
                with: "- { name: be3, address: 198.18.0.23:80 }"
            ).replacingOccurrences(
                of: "- { name: be2, address: 198.18.0.22:80, weight: 1 }",
                with: "- { name: be2, address: 198.18.0.22:80, weight: 5 }"
            )
        }
        #expect(diff.backends == ConfigDiff.Names(changed: [ConfigDiff.Changed(name: "app", keys: ["servers"])]))
        #expect(
            diff.servers == [
                ConfigDiff.Servers(
                    backend: "app",
                    names: ConfigDiff.Names(
                        added: ["be3"],
                        removed: ["be1"],
                        changed: [ConfigDiff.Changed(name: "be2", keys: ["weight"])]
                    )
                )
            ]
        )
        #expect(diff.frontends.isEmpty && diff.applied.isEmpty && diff.needsRestart.isEmpty)
        #expect(
            diff.summary == [
                "backends: changed app (servers)", "servers of app: added be3; removed be1; changed be2 (weight)",
            ]
        )
    }

    /// A frontend moved to another port and one removed; a new backend with health checks.
    @Test func frontendsAndBackendsByName() throws {
        let diff = try diff {
            $0.replacingOccurrences(of: "bind: 198.18.0.100:80\n", with: "bind: 198.18.0.100:8080\n")
                .replacingOccurrences(of: "  - name: web-tls", with: "  - name: web-tls2")
                .replacingOccurrences(of: "balance: least_loaded", with: "balance: random")
        }
        #expect(
            diff.frontends
                == ConfigDiff.Names(
                    added: ["web-tls2"],
                    removed: ["web-tls"],
                    changed: [ConfigDiff.Changed(name: "web", keys: ["bind"])]
                )
        )
        #expect(diff.backends.changed == [ConfigDiff.Changed(name: "api", keys: ["balance"])])
        #expect(diff.servers.isEmpty)
        #expect(diff.summary.first == "frontends: added web-tls2; removed web-tls; changed web (bind)")
    }

    /// The election numbers apply live; the heartbeat link, its timing and the node's sockets need a restart,
    /// and the configuration in force keeps their old values so the next reload says so again.
    @Test func haAndNodeKeysSplitIntoAppliedAndRestart() throws {
        let diff = try diff {
            $0.replacingOccurrences(of: "priority: 150", with: "priority: 90")
                .replacingOccurrences(of: "interval: 100ms", with: "interval: 200ms")
                .replacingOccurrences(
                    of: "admin: /run/tandem/admin.sock",
                    with: "admin: /run/other.sock\n  drain_timeout: 5s"
                )
        }
        #expect(diff.applied == ["node.drain_timeout", "ha.priority"])
        #expect(diff.needsRestart == ["node.admin", "ha.interval"])
        #expect(diff.summary.last == "needs a restart, not applied: node.admin, ha.interval")

        let old = try ConfigLoader.parse(yaml: ConfigFixtures.designExample, file: "old.yaml")
        var new = old
        new.ha?.priority = 90
        new.ha?.interval = .milliseconds(200)
        new.node.drainTimeout = .seconds(5)
        let inForce = ConfigDiff.inForce(new, over: old)
        #expect(inForce.ha?.priority == 90 && inForce.ha?.interval == .milliseconds(100))
        #expect(inForce.node.drainTimeout == .seconds(5))
        #expect(ConfigDiff(from: inForce, to: new).needsRestart == ["ha.interval"])
    }

    /// A gateway track is a prober started at start: changing it needs a restart; a backends penalty is one
    /// number in the election and applies.
    @Test func tracks() throws {
        let gateway = try diff { $0.replacingOccurrences(of: "- gateway: 198.18.0.1 ", with: "- gateway: 198.18.0.2 ") }
        #expect(gateway.needsRestart == ["ha.track"] && gateway.applied.isEmpty)

        let base = ConfigFixtures.designExample.replacingOccurrences(
            of: "- gateway: 198.18.0.1 ",
            with: "- { backends: all, penalty: 50 }\n    - gateway: 198.18.0.1 "
        )
        let old = try ConfigLoader.parse(yaml: base, file: "old.yaml")
        let new = try ConfigLoader.parse(
            yaml: base.replacingOccurrences(of: "penalty: 50", with: "penalty: 60"),
            file: "new.yaml"
        )
        #expect(ConfigDiff(from: old, to: new).applied == ["ha.track"])
    }

    // MARK: VIP groups

    /// The design example with its `vips` replaced by two groups.
    static let grouped = ConfigFixtures.designExample.replacingOccurrences(
        of: """
              vips:
                - address: 198.18.0.100/24
                  interface: eth0

            """,
        with: """
              groups:
                - name: web-a
                  vips:
                    - { address: 198.18.0.100/24, interface: eth0 }
                - name: web-b
                  priority: 100
                  vips:
                    - { address: 198.18.0.101/24, interface: eth0 }

            """
    )

    private func groupDiff(_ edit: (String) -> String) throws -> ConfigDiff {
        let old = try ConfigLoader.parse(yaml: Self.grouped, file: "old.yaml")
        let new = try ConfigLoader.parse(yaml: edit(Self.grouped), file: "new.yaml")
        return ConfigDiff(from: old, to: new)
    }

    /// In the single-group form the reload says what it always said, and names the implicit group for the
    /// runtime.
    @Test func singleGroupFormNamesTheImplicitGroup() throws {
        let delay = try diff { $0.replacingOccurrences(of: "preempt_delay: 5s", with: "preempt_delay: 1s") }
        #expect(delay.applied == ["ha.preempt_delay"] && delay.needsRestart.isEmpty)
        #expect(delay.appliedGroups == [ConfigDiff.Changed(name: "default", keys: ["preempt_delay"])])
        let vips = try diff { $0.replacingOccurrences(of: "198.18.0.100/24", with: "198.18.0.101/24") }
        #expect(vips.needsRestart == ["ha.vips"] && vips.appliedGroups.isEmpty)
    }

    /// A group's numbers apply, named by group; a group inheriting a changed section default changes too.
    @Test func groupNumbersApply() throws {
        #expect(try groupDiff { $0 }.isEmpty)
        let diff = try groupDiff {
            $0.replacingOccurrences(of: "priority: 150", with: "priority: 140")
                .replacingOccurrences(of: "priority: 100", with: "priority: 90\n      preempt: false")
        }
        #expect(
            diff.applied == [
                "ha.priority", "ha.groups[web-a].priority", "ha.groups[web-b].priority", "ha.groups[web-b].preempt",
            ]
        )
        #expect(diff.needsRestart.isEmpty)
        #expect(
            diff.appliedGroups == [
                ConfigDiff.Changed(name: "web-a", keys: ["priority"]),
                ConfigDiff.Changed(name: "web-b", keys: ["priority", "preempt"]),
            ]
        )
        #expect(diff.summary == ["applied: " + diff.applied.joined(separator: ", ")])

        let old = try ConfigLoader.parse(yaml: Self.grouped, file: "old.yaml")
        let new = try ConfigLoader.parse(
            yaml: Self.grouped.replacingOccurrences(of: "priority: 100", with: "priority: 90"),
            file: "new.yaml"
        )
        let inForce = ConfigDiff.inForce(new, over: old)
        #expect(inForce.ha?.groups.map(\.priority) == [150, 90])
        #expect(ConfigDiff(from: inForce, to: new).isEmpty)
    }

    /// Which groups there are, their names, order and VIPs are set up at start: a restart, naming the group.
    /// The numbers of a group whose VIPs changed still apply; the configuration in force keeps the old groups.
    @Test func groupStructureNeedsARestart() throws {
        let vips = try groupDiff {
            $0.replacingOccurrences(of: "198.18.0.101/24", with: "198.18.0.102/24")
                .replacingOccurrences(of: "priority: 100", with: "priority: 90")
        }
        #expect(vips.needsRestart == ["ha.groups[web-b].vips"])
        #expect(vips.applied == ["ha.groups[web-b].priority"])
        #expect(vips.appliedGroups == [ConfigDiff.Changed(name: "web-b", keys: ["priority"])])
        #expect(
            vips.summary == [
                "applied: ha.groups[web-b].priority", "needs a restart, not applied: ha.groups[web-b].vips",
            ]
        )

        let renamed = try groupDiff { $0.replacingOccurrences(of: "name: web-b", with: "name: web-c") }
        #expect(renamed.needsRestart == ["ha.groups[web-c] (added)", "ha.groups[web-b] (removed)"])
        #expect(renamed.appliedGroups.isEmpty && renamed.applied.isEmpty)

        let old = try ConfigLoader.parse(yaml: Self.grouped, file: "old.yaml")
        var new = old
        new.ha?.declaredGroups?.reverse()
        #expect(ConfigDiff(from: old, to: new).needsRestart == ["ha.groups (order)"])
        new.ha?.declaredGroups?.removeLast()
        #expect(ConfigDiff(from: old, to: new).needsRestart == ["ha.groups[web-a] (removed)"])
        #expect(ConfigDiff.inForce(new, over: old).ha == old.ha)

        let single = try ConfigLoader.parse(yaml: ConfigFixtures.designExample, file: "single.yaml")
        #expect(ConfigDiff(from: single, to: old).needsRestart == ["ha.groups"])
        #expect(ConfigDiff(from: old, to: single).needsRestart == ["ha.groups"])
        #expect(ConfigDiff.inForce(single, over: old).ha == old.ha)
    }
}
