import Foundation
import Testing

@testable import TandemConfig

/// The documentation stays true to the code: every key the config decoder accepts is documented in
/// `docs/configuration.md` (each mapping's keys in one table), its complete examples pass validation, the files it
/// names exist, and nothing in the README or `docs/` points outside the repository.
///
/// The keys are read from the decoder's source, not from a list kept here, so a key added to the decoder fails this
/// test until it is documented.
@Suite struct DocumentationTests {
    /// The repository root, from this file's path (`Tests/TandemConfigTests/DocumentationTests.swift`).
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func read(_ relativePath: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(relativePath), encoding: .utf8)
    }

    /// README.md, deploy/README.md and every docs/*.md, as paths from the root.
    static func markdownFiles() throws -> [String] {
        let docs = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("docs").path)
            .filter { $0.hasSuffix(".md") }
            .sorted()
            .map { "docs/" + $0 }
        return ["README.md", "deploy/README.md"] + docs
    }

    // MARK: The decoder's keys

    /// The keys of one mapping the decoder opens: a `keys: [...]` literal or a `let ...keys = [...]` array.
    struct KeyList: CustomStringConvertible {
        var file: String
        var line: Int
        /// The decoder function the list is in, e.g. `decodeHA`.
        var function: String
        var keys: [String]

        var description: String { "\(function) (\(file):\(line)): \(keys.joined(separator: ", "))" }
    }

    /// Every key list in `Sources/TandemConfig/ConfigDecoder*.swift`, and the names of list variables that `open`
    /// calls use (`keys: keys`, `keys: Self.rootKeys`).
    static func decoderKeyLists() throws -> (lists: [KeyList], declared: Set<String>, used: [(String, String)]) {
        let directory = root.appendingPathComponent("Sources/TandemConfig")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasPrefix("ConfigDecoder") && $0.hasSuffix(".swift") }
            .sorted()
        #expect(!files.isEmpty, "no ConfigDecoder*.swift in \(directory.path)")
        var lists: [KeyList] = []
        var declared: Set<String> = []
        var used: [(String, String)] = []
        for file in files {
            let source = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
                .split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces).hasPrefix("//") ? "" : String($0) }
                .joined(separator: "\n")
            func list(at range: Range<String.Index>, _ body: Substring) -> KeyList? {
                let keys = body.matches(of: #/"([^"]+)"/#).map { String($0.output.1) }
                guard !keys.isEmpty else { return nil }  // `keys: [String]` in a signature
                let before = source[..<range.lowerBound]
                let function = before.matches(of: #/func\s+(\w+)/#).last.map { String($0.output.1) } ?? "?"
                let line = before.filter { $0 == "\n" }.count + 1
                return KeyList(file: file, line: line, function: function, keys: keys)
            }
            for match in source.matches(of: #/keys:\s*\[([^\]]*)\]/#) {
                if let found = list(at: match.range, match.output.1) { lists.append(found) }
            }
            for match in source.matches(of: #/let\s+(\w*[kK]eys)\s*=\s*\[([^\]]*)\]/#) {
                declared.insert(String(match.output.1))
                if let found = list(at: match.range, match.output.2) { lists.append(found) }
            }
            for match in source.matches(of: #/keys:\s*(?:Self\.)?([A-Za-z_]\w*)\s*\)/#) {
                used.append((file, String(match.output.1)))
            }
        }
        return (lists, declared, used)
    }

    /// Guards the collector itself: every `open(..., keys: NAME)` names a list it found, and the lists cover the
    /// mappings known when this test was written (a collector that silently finds nothing would pass everything).
    @Test func decoderKeyListsAreFound() throws {
        let (lists, declared, used) = try Self.decoderKeyLists()
        for (file, name) in used {
            #expect(declared.contains(name), "\(file): open(..., keys: \(name)): no `let \(name) = [...]` found")
        }
        let all = Set(lists.flatMap(\.keys))
        for key in [
            "node", "state_directory", "key_file", "gateway", "penalty", "ticket_keys", "max_connections",
            "send_proxy", "disabled", "cookie", "consecutive_failures", "idle_timeout", "tunnel", "bind",
        ] {
            #expect(all.contains(key), "the decoder's key lists do not contain \(key): is the collector broken?")
        }
        #expect(lists.count >= 20, "only \(lists.count) key lists found")
    }

    /// Every key the decoder accepts appears in `docs/configuration.md` as `` `key` ``.
    @Test func everyDecoderKeyIsDocumented() throws {
        let document = try Self.read("docs/configuration.md")
        var missing: [String] = []
        for list in try Self.decoderKeyLists().lists {
            for key in list.keys where !document.contains("`\(key)`") {
                missing.append("`\(key)` (\(list.function), \(list.file):\(list.line))")
            }
        }
        #expect(missing.isEmpty, "docs/configuration.md does not document: \(missing.joined(separator: "; "))")
    }

    /// The first-column names of each Markdown table in `text`, one set per table.
    static func tables(in text: String) -> [Set<String>] {
        var tables: [Set<String>] = []
        var current: Set<String>?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("|") else {
                if let table = current { tables.append(table) }
                current = nil
                continue
            }
            // The first cell ends at the first `|` that is not escaped.
            var cell = ""
            var previous: Character = " "
            for character in trimmed.dropFirst() {
                if character == "|" && previous != "\\" { break }
                cell.append(character)
                previous = character
            }
            let names = cell.matches(of: #/`([^`]+)`/#).map { String($0.output.1) }
            current = (current ?? []).union(names)
        }
        if let table = current { tables.append(table) }
        return tables
    }

    /// Each mapping's keys are rows of one table (a key documented only under another block does not count).
    @Test func everyMappingHasItsTable() throws {
        let tables = Self.tables(in: try Self.read("docs/configuration.md"))
        for list in try Self.decoderKeyLists().lists {
            let best = tables.max { $0.intersection(list.keys).count < $1.intersection(list.keys).count } ?? []
            let missing = list.keys.filter { !best.contains($0) }
            #expect(
                missing.isEmpty,
                """
                docs/configuration.md has no table with a row for each key of \(list): \
                missing \(missing.map { "`\($0)`" }.joined(separator: ", ")) in the closest table
                """
            )
        }
    }

    // MARK: Examples and names

    /// The fenced YAML blocks of `text` that are complete configurations: `node:`, `frontends:` and `backends:` at
    /// the top level (the other blocks show one section).
    static func completeConfigurations(in text: String) -> [String] {
        text.matches(of: #/```yaml\n((?:.|\n)*?)```/#)
            .map { String($0.output.1) }
            .filter { block in
                let topLevel = Set(block.split(separator: "\n").compactMap { $0.split(separator: ":").first })
                return topLevel.isSuperset(of: ["node", "frontends", "backends"])
            }
    }

    @Test func completeExamplesAreValid() throws {
        var count = 0
        for file in try Self.markdownFiles() {
            for (index, yaml) in Self.completeConfigurations(in: try Self.read(file)).enumerated() {
                count += 1
                do {
                    _ = try ConfigLoader.parse(yaml: yaml, file: "\(file) example \(index + 1)")
                } catch {
                    Issue.record("\(file): a complete example does not validate:\n\(error)")
                }
            }
        }
        #expect(count >= 4, "only \(count) complete examples found")
    }

    /// Every `deploy/examples/**/*.yaml`, as paths from the root.
    static func deployExamples() throws -> [String] {
        let directory = root.appendingPathComponent("deploy/examples")
        let enumerator = FileManager.default.enumerator(atPath: directory.path)
        var files: [String] = []
        while let path = enumerator?.nextObject() as? String {
            if path.hasSuffix(".yaml") { files.append("deploy/examples/" + path) }
        }
        return files.sorted()
    }

    /// The deployment examples validate, and each folder's `lb-a.yaml` and `lb-b.yaml` are one pair: each
    /// node's peer is the other's listen address, they have the same elections (names and VIPs), and every
    /// election has a preferred node (different priorities), as `install.sh` and the guide assume.
    @Test func deployExamplesAreValidPairs() throws {
        let files = try Self.deployExamples()
        #expect(files.contains("deploy/examples/lb-a.yaml"))
        #expect(files.contains("deploy/examples/active-active/lb-b.yaml"))
        var configurations: [String: TandemConfiguration] = [:]
        for file in files {
            do {
                configurations[file] = try ConfigLoader.load(path: Self.root.appendingPathComponent(file).path)
            } catch {
                Issue.record("\(file) does not validate:\n\(error)")
            }
        }
        for a in files where a.hasSuffix("/lb-a.yaml") {
            let b = String(a.dropLast("lb-a.yaml".count)) + "lb-b.yaml"
            guard let nodeA = configurations[a]?.ha, let nodeB = configurations[b]?.ha else {
                Issue.record("\(a) has no valid HA partner \(b)")
                continue
            }
            let mirrored = nodeA.peers == [nodeB.listen] && nodeB.peers == [nodeA.listen]
            #expect(mirrored, "\(a), \(b): not each other's peer")
            #expect(nodeA.groups.map(\.name) == nodeB.groups.map(\.name), "\(a), \(b): different groups")
            #expect(nodeA.vips == nodeB.vips, "\(a), \(b): different VIPs")
            for (groupA, groupB) in zip(nodeA.groups, nodeB.groups) {
                #expect(groupA.vips == groupB.vips, "\(a), \(b): group \(groupA.name) has different VIPs")
                let preferred = groupA.priority != groupB.priority
                #expect(preferred, "\(a), \(b): group \(groupA.name) has no preferred node")
            }
        }
        let activeActive = try #require(configurations["deploy/examples/active-active/lb-a.yaml"]?.ha)
        #expect(activeActive.declaredGroups?.map(\.name) == ["web-a", "web-b"])
    }

    /// Every `Name.swift` or `path/name.sh` the docs name (in backticks) is a file of the repository (found by its
    /// path's end, so `Server/ProxyServer.swift` names `Sources/TandemProxy/Server/ProxyServer.swift`).
    @Test func namedFilesExist() throws {
        var files = try FileManager.default.contentsOfDirectory(atPath: Self.root.path).map { "/" + $0 }
        for top in ["Sources", "Tests", "scripts", "deploy"] {
            let enumerator = FileManager.default.enumerator(atPath: Self.root.appendingPathComponent(top).path)
            while let path = enumerator?.nextObject() as? String { files.append("/\(top)/\(path)") }
        }
        for file in try Self.markdownFiles() {
            let text = try Self.read(file)
            for match in text.matches(of: #/`([A-Za-z0-9_./+-]+\.(?:swift|sh|py))`/#) {
                let name = String(match.output.1)
                let suffix = "/" + name
                #expect(
                    files.contains { $0.hasSuffix(suffix) },
                    "\(file) names \(name), which is not a file of the repository"
                )
            }
        }
    }

    // MARK: Links

    /// `text` without fenced code blocks and inline code spans, where `](` is not a link.
    static func prose(_ text: String) -> String {
        text.replacing(#/```(?:.|\n)*?```/#, with: "").replacing(#/``.*?``|`[^`\n]*`/#, with: "")
    }

    /// GitHub's anchors for the headings of a Markdown text.
    static func anchors(in text: String) -> Set<String> {
        var seen: [String: Int] = [:]
        var anchors: Set<String> = []
        for line in text.replacing(#/```(?:.|\n)*?```/#, with: "").split(separator: "\n") where line.hasPrefix("#") {
            let heading = line.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces)
            let slug = String(
                heading.lowercased().compactMap { character -> Character? in
                    if character == " " { return "-" }
                    return character.isLetter || character.isNumber || character == "-" || character == "_"
                        ? character : nil
                }
            )
            let count = seen[slug, default: 0]
            seen[slug] = count + 1
            anchors.insert(count == 0 ? slug : "\(slug)-\(count)")
        }
        return anchors
    }

    /// The README, the deployment guide and docs/ point only inside the repository, and every link resolves.
    @Test func docsStayInsideTheRepository() throws {
        for file in try Self.markdownFiles() {
            let text = try Self.read(file)
            for outside in ["../shared", "shared/DESIGN", "DESIGN.md", "/work/"] {
                let refers = text.contains(outside)
                #expect(!refers, "\(file) refers to \(outside), outside the repository")
            }
            let directory = Self.root.appendingPathComponent(file).deletingLastPathComponent()
            for match in Self.prose(text).matches(of: #/\]\(([^)\s]*)\)/#) {
                let target = String(match.output.1)
                guard !target.contains(":"), !target.hasPrefix("/"), !target.isEmpty else {
                    Issue.record("\(file): the link (\(target)) points outside the repository")
                    continue
                }
                let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
                let path = String(parts[0])
                let anchor = parts.count > 1 ? String(parts[1]) : nil
                let resolved =
                    path.isEmpty
                    ? Self.root.appendingPathComponent(file)
                    : directory.appendingPathComponent(path).standardizedFileURL
                guard resolved.path.hasPrefix(Self.root.standardizedFileURL.path + "/") else {
                    Issue.record("\(file): the link (\(target)) leaves the repository")
                    continue
                }
                guard FileManager.default.fileExists(atPath: resolved.path) else {
                    Issue.record("\(file): the link (\(target)) names a file that does not exist")
                    continue
                }
                if let anchor, resolved.pathExtension == "md" {
                    let headings = Self.anchors(in: try String(contentsOf: resolved, encoding: .utf8))
                    #expect(headings.contains(anchor), "\(file): the link (\(target)) names no heading there")
                }
            }
        }
    }
}
