import Logging
import NIOCore
import NIOPosix
import TandemConfig
import TandemProxy
import Testing

/// A standby listens on its VIPs before it holds them, so the first connection after a takeover finds a listener.
@Suite("Listeners on addresses the node does not hold", .timeLimit(.minutes(1)))
struct FreebindTests {
    /// Both families bind an address no interface has (IP_FREEBIND, IPV6_FREEBIND) and report it as their own;
    /// nothing is sent, so the addresses only need to be absent (198.18.0.0/15 and 2001:2::/48 are test ranges).
    @Test func listenersBindAbsentIPv4AndIPv6Addresses() async throws {
        let port = try await freeLoopbackPort()
        let yaml = """
            node: { name: test, drain_timeout: 1s }
            frontends:
              - { name: v4, bind: "198.18.255.254:\(port)", backend: app }
              - { name: v6, bind: "[2001:2::fffe]:\(port)", backend: app }
            backends:
              - name: app
                servers: [{ name: s1, address: "127.0.0.1:\(port)" }]
            """
        let server = try ProxyServer(
            configuration: try ConfigLoader.parse(yaml: yaml, file: "test.yaml"),
            group: MultiThreadedEventLoopGroup.singleton,
            logger: Logger(label: "tandem.test") { _ in SwiftLogNoOpLogHandler() }
        )
        try await server.start()
        let bound = server.boundAddresses.map { "\($0.ipAddress ?? "?") \($0.port ?? 0)" }
        #expect(bound == ["198.18.255.254 \(port)", "2001:2::fffe \(port)"])
        await server.drain()
    }
}
