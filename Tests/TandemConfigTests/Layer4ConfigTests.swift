import Testing

@testable import TandemConfig

/// What `mode: tcp` frontends may use, and the tunnel timeouts.
@Suite("Layer-4 configuration")
struct Layer4ConfigTests {
    typealias F = ConfigFixtures

    static func layer4(backendLines: [String]) -> String {
        var lines = F.minimal.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[5] = "    backend: app\n    mode: tcp"
        lines.insert(contentsOf: backendLines.map { "    " + $0 }, at: 8)
        return lines.joined(separator: "\n")
    }

    @Test func layer7OnlyBackendSettingsAreRefusedWithTheFrontendsLine() {
        #expect(
            F.errors(Self.layer4(backendLines: ["balance: uri_hash"])) == [
                "t.yaml:6: frontends[0].backend: backend \"app\" balances by uri_hash, which needs layer 7: not"
                    + " allowed when mode is tcp"
            ]
        )
        #expect(
            F.errors(Self.layer4(backendLines: ["persistence: { cookie: SRV }"])) == [
                "t.yaml:6: frontends[0].backend: backend \"app\" uses cookie persistence, which needs layer 7: not"
                    + " allowed when mode is tcp"
            ]
        )
        #expect(F.errors(Self.layer4(backendLines: ["balance: source_hash"])).isEmpty)
    }

    @Test func tunnelTimeouts() throws {
        let yaml = Self.layer4(backendLines: ["timeouts: { connect: 1s, server: 2m }"])
            .replacingOccurrences(of: "    mode: tcp", with: "    mode: tcp\n    timeouts: { client: 45s, tunnel: 2h }")
        let configuration = try ConfigLoader.parse(yaml: yaml, file: "t.yaml")
        #expect(configuration.frontends[0].timeouts.client == .seconds(45))
        #expect(configuration.frontends[0].timeouts.tunnel == .seconds(7200))
        #expect(configuration.backends[0].timeouts.server == .seconds(120))
        #expect(try ConfigLoader.parse(yaml: F.minimal, file: "t.yaml").frontends[0].timeouts.tunnel == .seconds(3600))
    }
}
