/// One backend of a test configuration: its servers (ports on 127.0.0.1 with weights) and extra YAML
/// lines at the backend's level, in flow style (`timeouts: { response: 300ms }`).
struct BackendSpec {
    var name: String
    var servers: [(port: Int, weight: Int)]
    var extra: [String] = []

    init(name: String = "app", servers: [(port: Int, weight: Int)], extra: [String] = []) {
        self.name = name
        self.servers = servers
        self.extra = extra
    }

    /// A backend of equally weighted servers.
    init(name: String = "app", ports: [Int], extra: [String] = []) {
        self.init(name: name, servers: ports.map { ($0, 1) }, extra: extra)
    }
}
