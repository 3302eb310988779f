import Logging
import NIOCore
import NIOPosix
import TandemConfig
import TandemProxy

/// A `ProxyServer` running in the test process on 127.0.0.1, configured from YAML like a real node.
final class TestProxy: Sendable {
    let server: ProxyServer
    let address: SocketAddress

    private init(server: ProxyServer, address: SocketAddress) {
        self.server = server
        self.address = address
    }

    /// Starts a proxy with one frontend (default backend: the first of `backends`) on a free port.
    /// `frontend` lines go at the frontend's level, in flow style (`timeouts: { header: 1s }`).
    static func start(
        backends: [BackendSpec],
        frontend: [String] = [],
        drainTimeout: String = "2s"
    ) async throws -> TestProxy {
        let port = try await freeLoopbackPort()
        let yaml = configuration(port: port, backends: backends, frontend: frontend, drainTimeout: drainTimeout)
        let configuration = try ConfigLoader.parse(yaml: yaml, file: "test.yaml")
        let logger = Logger(label: "tandem.test") { _ in SwiftLogNoOpLogHandler() }
        let server = try ProxyServer(
            configuration: configuration,
            group: MultiThreadedEventLoopGroup.singleton,
            logger: logger
        )
        try await server.start()
        guard let address = server.boundAddresses.first else { throw TimedOut(limit: .zero) }
        return TestProxy(server: server, address: address)
    }

    static func configuration(port: Int, backends: [BackendSpec], frontend: [String], drainTimeout: String) -> String {
        var lines = [
            "node:",
            "  name: test",
            "  drain_timeout: \(drainTimeout)",
            "frontends:",
            "  - name: web",
            "    bind: 127.0.0.1:\(port)",
            "    mode: http",
            "    backend: \(backends[0].name)",
        ]
        lines += frontend.map { "    " + $0 }
        lines.append("backends:")
        for backend in backends {
            lines.append("  - name: \(backend.name)")
            lines += backend.extra.map { "    " + $0 }
            lines.append("    servers:")
            for (index, server) in backend.servers.enumerated() {
                lines.append(
                    "      - { name: \(backend.name)\(index), address: 127.0.0.1:\(server.port), weight: \(server.weight) }"
                )
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func connect() async throws -> RawConnection {
        try await RawConnection.connect(to: address)
    }

    /// Stops the proxy the way `tandem run` does on SIGTERM.
    func stop() async {
        await server.drain()
    }
}
