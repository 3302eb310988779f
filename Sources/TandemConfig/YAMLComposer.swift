import Yams

/// Composes YAML text into a node tree without stopping at duplicate keys.
///
/// Yams refuses a mapping with a duplicate key, naming only the first occurrence and no key path. To report
/// every duplicate with its path, each earlier occurrence is renamed in the text with `duplicateMarker` and the
/// text is composed again; `MappingFields` then reports the renamed keys.
enum YAMLComposer {
    /// What composing produced.
    enum Outcome {
        /// The root node, or nil for an empty document.
        case document(Node?)
        /// A syntax error, which ends validation: nothing after it can be trusted.
        case syntaxError(line: Int?, message: String)
    }

    static let duplicateMarker = "__tandem_duplicate_"

    /// Bounds the rename-and-retry loop; a file with more duplicate keys than this is reported as one error.
    static let maximumDuplicateRenames = 100

    static func compose(_ yaml: String) -> Outcome {
        var text = yaml
        for renameCount in 0..<maximumDuplicateRenames {
            do {
                return .document(try Yams.compose(yaml: text))
            } catch YamlError.duplicatedKeysInMapping(let duplicates, let context) {
                guard let renamed = rename(at: context.mark, in: text, marker: "\(duplicateMarker)\(renameCount)__")
                else {
                    let names = duplicates.joined(separator: ", ")
                    return .syntaxError(line: context.mark.line, message: "duplicate key in one mapping: \(names)")
                }
                text = renamed
            } catch let error as YamlError {
                return syntaxError(error, in: text)
            } catch {
                return .syntaxError(line: nil, message: "YAML error: \(error)")
            }
        }
        return .syntaxError(line: nil, message: "more than \(maximumDuplicateRenames) duplicate keys")
    }

    /// The original key name of a key renamed by `compose`, or nil for an ordinary key.
    static func originalKey(ofRenamed key: String) -> String? {
        guard key.hasPrefix(duplicateMarker) else {
            return nil
        }
        let rest = key.dropFirst(duplicateMarker.count)
        guard let end = rest.range(of: "__") else {
            return nil
        }
        return String(rest[end.upperBound...])
    }

    /// `text` with `marker` inserted at the start of the scalar key at `mark`, inside its quotes if quoted;
    /// nil when the key is not a plain or quoted scalar (a tagged, aliased or complex key).
    private static func rename(at mark: Mark, in text: String, marker: String) -> String? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard mark.line >= 1, mark.line <= lines.count else {
            return nil
        }
        var scalars = Array(lines[mark.line - 1].unicodeScalars)
        var column = mark.column - 1
        guard column >= 0, column < scalars.count else {
            return nil
        }
        switch scalars[column] {
        case "\"", "'":
            column += 1
        case "{", "[", "?", "&", "*", "!", "|", ">":
            return nil
        default:
            break
        }
        scalars.insert(contentsOf: marker.unicodeScalars, at: column)
        var line = String.UnicodeScalarView()
        line.append(contentsOf: scalars)
        lines[mark.line - 1] = String(line)
        return lines.joined(separator: "\n")
    }

    private static func syntaxError(_ error: YamlError, in text: String) -> Outcome {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = context.map { " (\($0.text))" } ?? ""
            return .syntaxError(line: mark.line, message: "YAML syntax error: \(problem)\(detail)")
        case .reader(let problem, let offset, _, _):
            let line = offset.map { offset in 1 + text.utf8.prefix(offset).filter { $0 == UInt8(ascii: "\n") }.count }
            return .syntaxError(line: line, message: "YAML error: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let names = duplicates.joined(separator: ", ")
            return .syntaxError(line: context.mark.line, message: "duplicate key in one mapping: \(names)")
        case .no, .memory, .writer, .emitter, .representer, .dataCouldNotBeDecoded:
            return .syntaxError(line: nil, message: "YAML error: \(error)")
        }
    }
}
