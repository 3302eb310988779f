import Foundation
import Testing

@testable import TandemConfig

/// `load(path:)` reads real files and names the path the caller gave in every error.
@Suite struct ConfigLoaderFileTests {
    @Test func loadsAFileFromDisk() throws {
        let path = try Self.write(ConfigFixtures.designExample)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let config = try ConfigLoader.load(path: path)
        #expect(config == (try ConfigLoader.parse(yaml: ConfigFixtures.designExample, file: "other.yaml")))
    }

    @Test func reportsErrorsWithThePathGiven() throws {
        let path = try Self.write(ConfigFixtures.minimal(replacingLine: 5, with: "    bind: 198.18.0.1:0"))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: ConfigErrorList.self) { try ConfigLoader.load(path: path) }
        do {
            _ = try ConfigLoader.load(path: path)
        } catch {
            #expect(error.description == "\(path):5: frontends[0].bind: port must be between 1 and 65535, got \"0\"")
        }
    }

    @Test func missingFileIsOneFileLevelError() {
        let path = "/nonexistent-tandem-dir/tandem.yaml"
        do {
            _ = try ConfigLoader.load(path: path)
            Issue.record("a missing file must not load")
        } catch {
            #expect(
                error.errors == [
                    ConfigError(file: path, line: nil, keyPath: "", message: "cannot open: No such file or directory")
                ]
            )
        }
    }

    @Test func errorListPrintsOneErrorPerLine() {
        let list = ConfigErrorList(errors: [
            ConfigError(file: "a.yaml", line: 3, keyPath: "node.name", message: "is required"),
            ConfigError(file: "a.yaml", line: nil, keyPath: "", message: "cannot open: Permission denied"),
        ])
        #expect(list.description == "a.yaml:3: node.name: is required\na.yaml: cannot open: Permission denied")
    }

    private static func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("tandem-config-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
