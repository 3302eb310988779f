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
        if let backends { checkLayer4Backends(backends) }
        guard errors.isEmpty, let node, let frontends, let backends else {
            return nil
        }
        return TandemConfiguration(node: node, ha: ha, frontends: frontends, backends: backends)
    }

    func decodeNode(_ node: Node, _ path: ConfigPath) -> NodeSettings? {
        let keys = ["name", "admin", "admin_operators", "threads", "drain_timeout", "state_directory", "stats"]
        guard let fields = open(node, at: path, keys: keys) else {
            return nil
        }
        let name = required(fields, "name", name)
        let admin = optional(fields, "admin", default: NodeSettings.defaultAdminSocketPath, self.path)
        let operators = optional(fields, "admin_operators", default: [], list(nonEmpty: false, adminOperator))
        let threads = optional(fields, "threads", default: NodeSettings.defaultThreads, integer(in: 1...256))
        let drainTimeout = optional(fields, "drain_timeout", default: .seconds(30), duration())
        let stateDirectory = optional(
            fields,
            "state_directory",
            default: NodeSettings.defaultStateDirectory,
            self.path
        )
        let stats = optional(fields, "stats", decodeStats)
        guard let name else {
            return nil
        }
        return NodeSettings(
            name: name,
            adminSocketPath: admin,
            threads: threads,
            drainTimeout: drainTimeout,
            stateDirectory: stateDirectory,
            statsBind: stats,
            adminOperators: operators
        )
    }

    /// `node.stats: { bind: ADDRESS:PORT }`.
    private func decodeStats(_ node: Node, _ path: ConfigPath) -> SocketAddressSpec? {
        guard let fields = open(node, at: path, keys: ["bind"]) else { return nil }
        return required(fields, "bind", socketAddress)
    }

    /// A user name of `node.admin_operators` that exists on this host.
    private func adminOperator(_ node: Node, _ path: ConfigPath) -> NodeSettings.AdminOperator? {
        guard let text = string(node, path) else {
            return nil
        }
        guard let user = NodeSettings.AdminOperator.lookUp(text) else {
            report(path, at: node, "no user \"\(text)\" on this host")
            return nil
        }
        return user
    }

    /// Reports a `mode: tcp` frontend whose backend uses what only layer 7 can do: a byte tunnel has no URI to hash
    /// and no cookie to pin.
    private func checkLayer4Backends(_ backends: [BackendSettings]) {
        for reference in layer4BackendReferences {
            guard let backend = backends.first(where: { $0.name == reference.name }) else { continue }
            if backend.balance == .uriHash {
                report(
                    reference.path,
                    line: reference.line,
                    "backend \"\(backend.name)\" balances by uri_hash, which needs layer 7: not allowed when mode is tcp"
                )
            }
            if backend.persistence != nil {
                report(
                    reference.path,
                    line: reference.line,
                    "backend \"\(backend.name)\" uses cookie persistence, which needs layer 7: not allowed when mode is tcp"
                )
            }
        }
    }

    /// Reports every frontend or route naming a backend that is not defined.
    private func checkBackendReferences() {
        for reference in backendReferences where !definedBackends.contains(reference.name) {
            let defined = definedBackends.isEmpty ? "none" : definedBackends.joined(separator: ", ")
            report(reference.path, line: reference.line, "no backend named \"\(reference.name)\" (defined: \(defined))")
        }
    }
}
