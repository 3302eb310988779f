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
}
