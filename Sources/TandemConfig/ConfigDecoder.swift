import Yams

/// Walks a composed YAML tree, converting it into settings values and recording every problem with its line
/// and key path instead of stopping at the first.
///
/// Readers return nil (or a default) for an invalid value after recording why, so decoding always continues;
/// the caller throws if any error was recorded.
final class ConfigDecoder {
    let file: String
    private(set) var errors: [ConfigError] = []
    /// Names claimed in each uniqueness scope (`frontend`, `backend`, `server in app`), with their lines.
    private var claimedNames: [String: [String: Int?]] = [:]
    /// Backend names defined so far, even by backends with other errors, so references are checked fairly.
    var definedBackends: [String] = []
    /// Backend names used by frontends and routes, checked once every backend is known.
    var backendReferences: [(name: String, path: ConfigPath, line: Int?)] = []
    /// The backends of `mode: tcp` frontends, checked against layer-7-only settings once every backend is known.
    var layer4BackendReferences: [(name: String, path: ConfigPath, line: Int?)] = []
    /// The group (and line) each VIP address was first given in, so an address in two groups names both.
    var vipGroups: [String: (group: String, line: Int?)] = [:]

    init(file: String) {
        self.file = file
    }

    // MARK: Reporting

    func report(_ path: ConfigPath, line: Int?, _ message: String) {
        errors.append(ConfigError(file: file, line: line, keyPath: path.description, message: message))
    }

    func report(_ path: ConfigPath, at node: Node, _ message: String) {
        report(path, line: node.mark?.line, message)
    }

    /// Errors in line order (file-level ones first), keeping discovery order within a line.
    var sortedErrors: [ConfigError] {
        errors.enumerated()
            .sorted { ($0.element.line ?? 0, $0.offset) < ($1.element.line ?? 0, $1.offset) }
            .map(\.element)
    }

    /// Records `value` in `scope`, reporting it as a duplicate `label` when already used there.
    func claimUnique(_ value: String, scope: String, label: String, path: ConfigPath, line: Int?) {
        if let firstLine = claimedNames[scope, default: [:]][value] {
            let first = firstLine.map { " (first used on line \($0))" } ?? ""
            report(path, line: line, "duplicate \(label) \"\(value)\"\(first)")
        } else {
            claimedNames[scope, default: [:]][value] = .some(line)
        }
    }

    // MARK: Mappings

    /// Opens `node` as a mapping allowing only `keys`; reports a non-mapping, unknown keys and duplicate keys.
    func open(_ node: Node, at path: ConfigPath, keys: [String]) -> MappingFields? {
        guard case .mapping(let mapping) = node else {
            report(path, at: node, "expected a mapping, got \(Self.describe(node))")
            return nil
        }
        var values: [String: Node] = [:]
        var occurrences: [String: [Int?]] = [:]
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                report(path, at: keyNode, "keys must be plain names, got \(Self.describe(keyNode))")
                continue
            }
            let renamedFrom = YAMLComposer.originalKey(ofRenamed: scalar.string)
            let key = renamedFrom ?? scalar.string
            occurrences[key, default: []].append(keyNode.mark?.line)
            guard keys.contains(key) else {
                if renamedFrom == nil {
                    report(
                        path.key(key),
                        at: keyNode,
                        "unknown key (expected one of: \(keys.joined(separator: ", ")))"
                    )
                }
                continue
            }
            if renamedFrom == nil {
                values[key] = value
            }
        }
        for (key, lines) in occurrences where lines.count > 1 {
            for line in lines.dropFirst() {
                let first = lines[0].map { " (first defined on line \($0))" } ?? ""
                report(path.key(key), line: line, "duplicate key\(first)")
            }
        }
        return MappingFields(path: path, line: node.mark?.line, values: values)
    }

    /// The value of a required key, converted by `read`; a missing key is reported at the mapping's line.
    func required<T>(_ fields: MappingFields, _ key: String, _ read: (Node, ConfigPath) -> T?) -> T? {
        guard let node = fields[key] else {
            report(fields.path.key(key), line: fields.line, "is required")
            return nil
        }
        return read(node, fields.path.key(key))
    }

    /// The value of an optional key, or `defaultValue` when it is absent (or invalid, which is reported).
    func optional<T>(
        _ fields: MappingFields,
        _ key: String,
        default defaultValue: T,
        _ read: (Node, ConfigPath) -> T?
    )
        -> T
    {
        guard let node = fields[key] else {
            return defaultValue
        }
        return read(node, fields.path.key(key)) ?? defaultValue
    }

    /// The value of an optional key without a default: nil when absent or invalid.
    func optional<T>(_ fields: MappingFields, _ key: String, _ read: (Node, ConfigPath) -> T?) -> T? {
        guard let node = fields[key] else {
            return nil
        }
        return read(node, fields.path.key(key))
    }

    /// How a value is shown in a message: strings quoted, other scalars as written, collections by kind.
    static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain && node.tag.rawValue == Tag.Name.null.rawValue {
                return "nothing"
            }
            if scalar.style != .plain || node.tag.rawValue == Tag.Name.str.rawValue {
                return "\"\(scalar.string)\""
            }
            return scalar.string
        case .mapping:
            return "a mapping"
        case .sequence:
            return "a list"
        case .alias:
            return "an alias"
        }
    }
}
