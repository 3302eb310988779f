import Testing

@testable import TandemConfig

/// `node.admin_operators` names users of this host; each is resolved to its uid when the config is read, so a
/// typo is a config error with its line, not a refusal the operator meets during an incident.
@Suite struct AdminOperatorsTests {
    typealias F = ConfigFixtures

    /// A name on the host is kept with its uid, in order.
    @Test func knownUsersAreResolved() throws {
        let yaml = F.minimal(replacingLine: 2, with: "  name: lb-a\n  admin_operators: [root, root]")
        let config = try ConfigLoader.parse(yaml: yaml, file: "t.yaml")
        #expect(
            config.node.adminOperators == Array(repeating: NodeSettings.AdminOperator(name: "root", uid: 0), count: 2)
        )
    }

    /// A name that is not on the host is reported with file, line and key; so is a name that is not a string.
    @Test func unknownUserIsAConfigError() {
        let yaml = F.minimal(
            replacingLine: 2,
            with: "  name: lb-a\n  admin_operators:\n    - root\n    - tdm-no-such-user\n    - 1001"
        )
        #expect(
            F.errors(yaml) == [
                "t.yaml:5: node.admin_operators[1]: no user \"tdm-no-such-user\" on this host",
                "t.yaml:6: node.admin_operators[2]: expected a string, got 1001",
            ]
        )
    }

    /// Not a list: reported like every other list key.
    @Test func notAList() {
        #expect(
            F.errors(F.minimal(replacingLine: 2, with: "  name: lb-a\n  admin_operators: root")) == [
                "t.yaml:3: node.admin_operators: expected a list, got \"root\""
            ]
        )
    }
}
