import Testing

@testable import TandemConfig

/// Every optional key left out takes the documented default.
@Suite struct DefaultsTests {
    @Test func minimalConfigGetsEveryDefault() throws {
        let config = try ConfigLoader.parse(yaml: ConfigFixtures.minimal, file: "t.yaml")
        #expect(config.ha == nil)
        #expect(config.node.adminSocketPath == "/run/tandem/admin.sock")
        #expect(config.node.threads >= 1 && config.node.threads <= 256)
        #expect(config.node.drainTimeout == .seconds(30))
        #expect(config.node.adminOperators == [])

        let frontend = try #require(config.frontends.first)
        #expect(frontend.mode == .http)
        #expect(frontend.routes.isEmpty)
        #expect(frontend.tls == nil)
        #expect(frontend.timeouts.header == .seconds(10))
        #expect(frontend.timeouts.keepalive == .seconds(60))
        #expect(frontend.timeouts.client == .seconds(30))
        #expect(frontend.limits.maxHeaderBytes == 65536)
        #expect(frontend.limits.maxURIBytes == 8192)
        #expect(frontend.limits.maxHeaderFields == 100)
        #expect(frontend.limits.maxHeaderNameBytes == 256)
        #expect(frontend.limits.maxConnectionTokens == 32)
        #expect(frontend.limits.maxConnections == 10000)

        let backend = try #require(config.backend(named: "app"))
        #expect(backend.balance == .roundRobin)
        #expect(backend.persistence == nil)
        #expect(backend.health == nil)
        #expect(
            backend.outlier
                == OutlierSettings(
                    isEnabled: true,
                    consecutiveFailures: 5,
                    baseEjection: .seconds(30),
                    maxEjection: .seconds(300),
                    maxEjectedPercent: 50
                )
        )
        #expect(backend.maxConnections == nil)
        #expect(backend.maxQueue == 100)
        #expect(backend.queueTimeout == .seconds(2))
        #expect(backend.retries == 2)
        #expect(backend.timeouts == BackendTimeouts(connect: .seconds(2), response: .seconds(30)))
        #expect(backend.pool == PoolSettings(maxIdle: 32, idleTimeout: .seconds(60)))
        #expect(
            backend.servers == [
                ServerSettings(
                    name: "be1",
                    address: SocketAddressSpec(host: "198.18.0.21", port: 80, isIPv6: false),
                    weight: 1,
                    isDisabled: false
                )
            ]
        )
        #expect(config.summary(file: "t.yaml") == "t.yaml: OK — node lb-a, 1 frontend, 1 backend, 1 server, no HA")
    }

    @Test func haDefaults() throws {
        let yaml =
            ConfigFixtures.minimal + """

                ha:
                  listen: 198.18.0.11:7946
                  peers: [198.18.0.12:7946, 198.19.0.12:7946]
                  key_file: /etc/tandem/ha.key
                  track:
                    - gateway: "::1"
                    - backends: all
                  vips:
                    - { address: "::1/128", interface: lo }
                """
        let ha = try #require(try ConfigLoader.parse(yaml: yaml, file: "t.yaml").ha)
        #expect(ha.interval == .milliseconds(100))
        #expect(ha.deadAfter == 3)
        #expect(ha.priority == 100)
        #expect(ha.preempt == true)
        #expect(ha.preemptDelay == .seconds(5))
        #expect(ha.helperSocketPath == "/run/tandem-vip-helper/vip.sock")
        #expect(ha.announce == AnnounceSettings(count: 3, spacing: .milliseconds(100), refresh: .seconds(30)))
        #expect(ha.logPath == nil)
        #expect(
            ha.track == [
                .gateway(
                    GatewayTrack(
                        address: "::1",
                        isIPv6: true,
                        interval: .seconds(1),
                        timeout: .milliseconds(500),
                        rise: 2,
                        fall: 3
                    )
                ),
                .backends(penalty: 50),
            ]
        )
        #expect(
            ha.vips == [
                VIPSettings(address: CIDRSpec(address: "::1", prefixLength: 128, isIPv6: true), interface: "lo")
            ]
        )
    }

    /// A dual-stack pair: an IPv4 and an IPv6 VIP on one interface and a frontend on each at the same port are
    /// accepted, neither taken for a duplicate of the other.
    @Test func dualStackVIPsAndFrontends() throws {
        let yaml = """
            node: { name: lb-a }
            ha:
              listen: 198.18.0.11:7946
              peers: [198.18.0.12:7946]
              key_file: /etc/tandem/ha.key
              vips:
                - { address: 198.18.0.100/24, interface: eth0 }
                - { address: "2001:2::100/64", interface: eth0 }
            frontends:
              - { name: web, bind: 198.18.0.100:80, backend: app }
              - { name: web6, bind: "[2001:2::100]:80", backend: app }
            backends:
              - { name: app, servers: [{ name: be1, address: 198.18.0.21:8080 }] }
            """
        let config = try ConfigLoader.parse(yaml: yaml, file: "t.yaml")
        #expect(
            config.ha?.vips == [
                VIPSettings(
                    address: CIDRSpec(address: "198.18.0.100", prefixLength: 24, isIPv6: false),
                    interface: "eth0"
                ),
                VIPSettings(
                    address: CIDRSpec(address: "2001:2::100", prefixLength: 64, isIPv6: true),
                    interface: "eth0"
                ),
            ]
        )
        #expect(
            config.frontends.map(\.bind) == [
                SocketAddressSpec(host: "198.18.0.100", port: 80, isIPv6: false),
                SocketAddressSpec(host: "2001:2::100", port: 80, isIPv6: true),
            ]
        )
    }

    @Test func everyOptionalKeySet() throws {
        let yaml = """
            node: { name: lb-b, admin: /tmp/a.sock, admin_operators: [root], threads: 4, drain_timeout: 1m }
            frontends:
              - name: l4
                bind: "[::1]:9000"
                mode: tcp
                backend: app
                tls: { certificates: [/tmp/c.pem], min_version: 1.3, handshake_timeout: 2s }
                timeouts: { header: 1s, keepalive: 2s, client: 3s, tunnel: 4s }
                accept_proxy: true
                limits: { max_header_bytes: 1024, max_uri_bytes: 512, max_header_fields: 20, max_header_name_bytes: 64,
                          max_connection_tokens: 4, max_connections: 7 }
            backends:
              - name: app
                balance: source_hash
                health: { http: /up, expect: 204, host: app.internal, interval: 2s, timeout: 1s, rise: 1, fall: 9 }
                outlier: { enabled: false }
                max_connections: 5
                max_queue: 0
                queue_timeout: 250ms
                retries: 0
                timeouts: { connect: 1s, response: 5s, server: 6s }
                pool: { max_idle: 0, idle_timeout: 90s }
                send_proxy: v2
                servers:
                  - { name: s1, address: 198.18.0.21:80, weight: 256, disabled: false }
            """
        let config = try ConfigLoader.parse(yaml: yaml, file: "t.yaml")
        #expect(
            config.node
                == NodeSettings(
                    name: "lb-b",
                    adminSocketPath: "/tmp/a.sock",
                    threads: 4,
                    drainTimeout: .seconds(60),
                    adminOperators: [NodeSettings.AdminOperator(name: "root", uid: 0)]
                )
        )
        let frontend = try #require(config.frontends.first)
        #expect(frontend.mode == .tcp)
        #expect(frontend.bind == SocketAddressSpec(host: "::1", port: 9000, isIPv6: true))
        #expect(
            frontend.tls
                == TLSSettings(certificates: ["/tmp/c.pem"], minimumVersion: .tls13, handshakeTimeout: .seconds(2))
        )
        #expect(
            frontend.timeouts
                == FrontendTimeouts(
                    header: .seconds(1),
                    keepalive: .seconds(2),
                    client: .seconds(3),
                    tunnel: .seconds(4)
                )
        )
        #expect(frontend.acceptProxy)
        #expect(
            frontend.limits
                == FrontendLimits(
                    maxHeaderBytes: 1024,
                    maxURIBytes: 512,
                    maxHeaderFields: 20,
                    maxHeaderNameBytes: 64,
                    maxConnectionTokens: 4,
                    maxConnections: 7
                )
        )
        let backend = try #require(config.backends.first)
        #expect(backend.balance == .sourceHash)
        #expect(backend.sendProxy == .v2)
        #expect(
            backend.health
                == HealthCheckSettings(
                    kind: .http(path: "/up", expect: 204, host: "app.internal"),
                    interval: .seconds(2),
                    timeout: .seconds(1),
                    rise: 1,
                    fall: 9
                )
        )
        #expect(backend.outlier.isEnabled == false)
        #expect(backend.maxConnections == 5)
        #expect(backend.maxQueue == 0)
        #expect(backend.queueTimeout == .milliseconds(250))
        #expect(backend.retries == 0)
        #expect(backend.timeouts == BackendTimeouts(connect: .seconds(1), response: .seconds(5), server: .seconds(6)))
        #expect(backend.pool == PoolSettings(maxIdle: 0, idleTimeout: .seconds(90)))
        #expect(backend.servers.first?.weight == 256)
    }
}
