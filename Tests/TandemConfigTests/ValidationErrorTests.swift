import Testing

@testable import TandemConfig

/// Each class of mistake is reported as `file:line: key.path: message`, with the line an editor should jump to.
///
/// `ConfigFixtures.minimal` has `node:` on line 1, `name: web` on 4, `bind` on 5, `backend: app` on 6,
/// `- name: app` on 8, `servers:` on 9 and the server on 10; appended sections start on line 11.
@Suite struct ValidationErrorTests {
    typealias F = ConfigFixtures

    /// An HA section appended to `minimal`: `ha:` on line 11, `listen` 12, `peers` 13, `key_file` 14, `vips` 15,
    /// the VIP on 16, and `extra` from line 17.
    static func withHA(vip: String = "198.18.0.100/24", extra: String = "") -> String {
        F.minimal + """

            ha:
              listen: 198.18.0.11:7946
              peers: [198.18.0.12:7946]
              key_file: /etc/tandem/ha.key
              vips:
                - { address: \(vip), interface: eth0 }
            """ + (extra.isEmpty ? "" : "\n" + extra)
    }

    @Test func unknownKey() {
        #expect(
            F.errors(F.minimal(replacingLine: 5, with: "    bnd: 198.18.0.100:80")) == [
                "t.yaml:4: frontends[0].bind: is required",
                "t.yaml:5: frontends[0].bnd: unknown key (expected one of: name, bind, mode, backend, routes, tls,"
                    + " timeouts, limits, accept_proxy, log, h2c, h2)",
            ]
        )
        #expect(
            F.errors(F.minimal + "\nextra: 1") == [
                "t.yaml:11: extra: unknown key (expected one of: node, ha, frontends, backends)"
            ]
        )
    }

    @Test func missingKey() {
        let noServers = F.minimal(replacingLine: 9, with: "    retries: 1").split(separator: "\n").dropLast()
            .joined(separator: "\n")
        #expect(F.errors(noServers) == ["t.yaml:8: backends[0].servers: is required"])
        let noNode = F.minimal(replacingLine: 1, with: "# no node").replacingOccurrences(of: "  name: lb-a\n", with: "")
        #expect(F.errors(noNode) == ["t.yaml:2: node: is required"])
        #expect(
            F.errors(Self.withHA().replacingOccurrences(of: "  key_file: /etc/tandem/ha.key\n", with: "")) == [
                "t.yaml:12: ha.key_file: is required"
            ]
        )
    }

    @Test func wrongTypes() {
        #expect(
            F.errors(F.minimal(replacingLine: 2, with: "  name: 123")) == [
                "t.yaml:2: node.name: expected a string, got 123"
            ]
        )
        #expect(
            F.errors(F.minimal(replacingLine: 2, with: "  name: [a]")) == [
                "t.yaml:2: node.name: expected a string, got a list"
            ]
        )
        #expect(
            F.errors(
                F.minimal(replacingLine: 10, with: "      - { name: be1, address: 198.18.0.21:80, weight: \"3\" }")
            )
                == ["t.yaml:10: backends[0].servers[0].weight: expected an integer, got \"3\""]
        )
        #expect(
            F.errors(
                F.minimal(replacingLine: 10, with: "      - { name: be1, address: 198.18.0.21:80, disabled: yes }")
            )
                == ["t.yaml:10: backends[0].servers[0].disabled: expected true or false, got yes"]
        )
        let frontendsNotAList = """
            node:
              name: lb-a
            frontends: web
            backends:
              - name: app
                servers:
                  - { name: be1, address: 198.18.0.21:80 }
            """
        #expect(F.errors(frontendsNotAList) == ["t.yaml:3: frontends: expected a list, got \"web\""])
        #expect(
            F.errors(Self.withHA(extra: "  interval: fast")) == [
                "t.yaml:17: ha.interval: expected a duration like 100ms, 2s or 5m, got \"fast\""
            ]
        )
    }
}
