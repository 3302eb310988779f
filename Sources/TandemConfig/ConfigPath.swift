/// A key path into the config as shown in errors: `backends[0].servers[1].weight`.
struct ConfigPath: Sendable, Equatable, CustomStringConvertible {
    let description: String

    static let root = ConfigPath(description: "")

    /// The path of `key` inside the mapping at this path.
    func key(_ key: String) -> ConfigPath {
        ConfigPath(description: description.isEmpty ? key : "\(description).\(key)")
    }

    /// The path of item `index` of the list at this path.
    func index(_ index: Int) -> ConfigPath {
        ConfigPath(description: "\(description)[\(index)]")
    }
}
