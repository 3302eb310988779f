import Logging
import NIOCore
import NIOPosix
import TandemConfig
import TandemProxy

#if canImport(Glibc)
import Glibc
#endif

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
        mode: String = "http",
        drainTimeout: String = "2s",
        seed: UInt64? = nil,
        metrics: ProxyMetrics? = nil
    ) async throws -> TestProxy {
        // The free port may be taken by a parallel test before the proxy binds it: try a few.
        for attempt in 1...3 {
            let port = try await freeLoopbackPort()
            let yaml = configuration(
                port: port,
                backends: backends,
                frontend: frontend,
                mode: mode,
                drainTimeout: drainTimeout
            )
            let configuration = try ConfigLoader.parse(yaml: yaml, file: "test.yaml")
            let logger = Logger(label: "tandem.test") { _ in SwiftLogNoOpLogHandler() }
            let server = try ProxyServer(
                configuration: configuration,
                group: MultiThreadedEventLoopGroup.singleton,
                logger: logger,
                balancerSeed: seed,
                metrics: metrics
            )
            do {
                try await server.start()
            } catch let error as IOError where error.errnoCode == EADDRINUSE && attempt < 3 {
                await server.drain()
                continue
            }
            guard let address = server.boundAddresses.first else { throw TimedOut(limit: .zero) }
            return TestProxy(server: server, address: address)
        }
        throw TimedOut(limit: .zero)
    }

    static func configuration(
        port: Int,
        backends: [BackendSpec],
        frontend: [String],
        mode: String = "http",
        drainTimeout: String
    ) -> String {
        var lines = [
            "node:",
            "  name: test",
            "  drain_timeout: \(drainTimeout)",
            "frontends:",
            "  - name: web",
            "    bind: 127.0.0.1:\(port)",
            "    mode: \(mode)",
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

    func connect(from source: SocketAddress? = nil) async throws -> RawConnection {
        try await RawConnection.connect(to: address, from: source)
    }

    /// One GET on a fresh connection, closed afterwards.
    func getOnce(_ path: String = "/", extraHeaders: [String] = []) async throws -> RawResponse {
        let client = try await connect()
        let response = try await client.get(path, extraHeaders: extraHeaders)
        await client.close()
        return response
    }

    /// Stops the proxy the way `tandem run` does on SIGTERM.
    func stop() async {
        await server.drain()
    }
}
