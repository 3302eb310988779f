import Testing

@testable import TandemConfig

/// `frontends[].log`: a file and a format, each mistake reported with its line and key.
@Suite("Access log configuration")
struct AccessLogConfigTests {
    typealias F = ConfigFixtures

    static func withLog(_ text: String) -> String {
        F.minimal(replacingLine: 6, with: "    backend: app\n    log: \(text)")
    }

    @Test func fileAndFormat() throws {
        let text = try ConfigLoader.parse(yaml: Self.withLog("{ file: /var/log/tandem/access.log }"), file: "t.yaml")
        #expect(text.frontends[0].log == AccessLogSettings(path: "/var/log/tandem/access.log", format: .text))
        let json = try ConfigLoader.parse(yaml: Self.withLog("{ file: /var/log/a.log, format: json }"), file: "t.yaml")
        #expect(json.frontends[0].log?.format == .json)
        #expect(try ConfigLoader.parse(yaml: F.minimal, file: "t.yaml").frontends[0].log == nil)
    }

    @Test func mistakesNameTheLineAndKey() {
        #expect(F.errors(Self.withLog("{ format: json }")) == ["t.yaml:7: frontends[0].log.file: is required"])
        #expect(
            F.errors(Self.withLog("{ file: access.log }")) == [
                "t.yaml:7: frontends[0].log.file: must be an absolute path, got \"access.log\""
            ]
        )
        #expect(
            F.errors(Self.withLog("{ file: /var/log/, format: text }")) == [
                "t.yaml:7: frontends[0].log.file: must name a file, not a directory: \"/var/log/\""
            ]
        )
        #expect(
            F.errors(Self.withLog("{ file: /a.log, format: xml }")) == [
                "t.yaml:7: frontends[0].log.format: expected one of: text, json; got \"xml\""
            ]
        )
        #expect(
            F.errors(Self.withLog("{ file: /a.log, rotate: daily }")) == [
                "t.yaml:7: frontends[0].log.rotate: unknown key (expected one of: file, format)"
            ]
        )
        #expect(
            F.errors(Self.withLog("/a.log")) == ["t.yaml:7: frontends[0].log: expected a mapping, got \"/a.log\""]
        )
    }
}
