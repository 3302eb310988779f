import Yams

extension ConfigDecoder {
    static let rootKeys = ["node", "ha", "frontends", "backends"]

    /// Decodes the whole document; nil when anything was reported.
    func decodeConfiguration(_ root: Node) -> TandemConfiguration? {
        guard let fields = open(root, at: .root, keys: Self.rootKeys) else {
            return nil
        }
        let node = required(fields, "node", decodeNode)
        let ha = optional(fields, "ha", decodeHA)
        let frontends = required(fields, "frontends", list(nonEmpty: true, decodeFrontend))
        let backends = required(fields, "backends", list(nonEmpty: true, decodeBackend))
        if fields["backends"] != nil {
            checkBackendReferences()
        }
        guard errors.isEmpty, let node, let frontends, let backends else {
            return nil
        }
        return TandemConfiguration(node: node, ha: ha, frontends: frontends, backends: backends)
    }

    func decodeNode(_ node: Node, _ path: ConfigPath) -> NodeSettings? {
        guard let fields = open(node, at: path, keys: ["name", "admin", "threads", "drain_timeout"]) else {
            return nil
        }
        let name = required(fields, "name", name)
        let admin = optional(fields, "admin", default: NodeSettings.defaultAdminSocketPath, self.path)
        let threads = optional(fields, "threads", default: NodeSettings.defaultThreads, integer(in: 1...256))
        let drainTimeout = optional(fields, "drain_timeout", default: .seconds(30), duration())
        guard let name else {
            return nil
        }
        return NodeSettings(name: name, adminSocketPath: admin, threads: threads, drainTimeout: drainTimeout)
    }

    /// Reports every frontend or route naming a backend that is not defined.
    private func checkBackendReferences() {
        for reference in backendReferences where !definedBackends.contains(reference.name) {
            let defined = definedBackends.isEmpty ? "none" : definedBackends.joined(separator: ", ")
            report(reference.path, line: reference.line, "no backend named \"\(reference.name)\" (defined: \(defined))")
        }
    }
}
