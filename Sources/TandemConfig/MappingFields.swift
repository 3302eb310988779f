import Yams

/// A YAML mapping opened for reading: keys already checked (unknown and duplicate keys reported), values
/// looked up by name.
struct MappingFields {
    /// The mapping's own key path.
    let path: ConfigPath
    /// The mapping's line, where a missing key is reported.
    let line: Int?
    private let values: [String: Node]

    init(path: ConfigPath, line: Int?, values: [String: Node]) {
        self.path = path
        self.line = line
        self.values = values
    }

    subscript(key: String) -> Node? {
        values[key]
    }
}
