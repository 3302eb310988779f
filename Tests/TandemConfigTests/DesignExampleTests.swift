import Testing

@testable import TandemConfig

/// The design's full example config (`ConfigFixtures.designExample`) decodes into exactly the typed values
/// it spells out.
@Suite struct DesignExampleTests {
    let config: TandemConfiguration

    init() throws {
        config = try ConfigLoader.parse(yaml: ConfigFixtures.designExample, file: "tandem.yaml")
    }

    @Test func node() {
        #expect(config.node.name == "lb-a")
        #expect(config.node.adminSocketPath == "/run/tandem/admin.sock")
        #expect(config.node.drainTimeout == .seconds(30))
        #expect(config.node.threads == NodeSettings.defaultThreads)
    }

    @Test func ha() throws {
        let ha = try #require(config.ha)
        let expected = HASettings(
            listen: SocketAddressSpec(host: "198.18.0.11", port: 7946, isIPv6: false),
            peers: [SocketAddressSpec(host: "198.18.0.12", port: 7946, isIPv6: false)],
            keyFile: "/etc/tandem/ha.key",
            interval: .milliseconds(100),
            deadAfter: 3,
            priority: 150,
            preempt: true,
            preemptDelay: .seconds(5),
            helperSocketPath: "/run/tandem/vip.sock",
            track: [.gateway(GatewayTrack(address: "198.18.0.1", isIPv6: false))],
            vips: [
                VIPSettings(
                    address: CIDRSpec(address: "198.18.0.100", prefixLength: 24, isIPv6: false),
                    interface: "eth0"
                )
            ],
            announce: AnnounceSettings(count: 3, spacing: .milliseconds(100), refresh: .seconds(30)),
            logPath: "/var/log/tandem/heartbeat.log"
        )
        #expect(ha == expected)
    }

    @Test func frontends() {
        #expect(
            config.frontends == [
                FrontendSettings(
                    name: "web",
                    bind: SocketAddressSpec(host: "198.18.0.100", port: 80, isIPv6: false),
                    mode: .http,
                    backend: "app",
                    routes: [RouteSettings(host: "api.example.com", pathPrefix: "/v1/", backend: "api")]
                ),
                FrontendSettings(
                    name: "web-tls",
                    bind: SocketAddressSpec(host: "198.18.0.100", port: 443, isIPv6: false),
                    mode: .http,
                    backend: "app",
                    tls: TLSSettings(
                        certificates: ["/etc/tandem/site-a.pem", "/etc/tandem/site-b.pem"],
                        ticketKeysPath: "/etc/tandem/tickets.key",
                        minimumVersion: .tls12,
                        handshakeTimeout: .seconds(10)
                    )
                ),
            ]
        )
    }

    @Test func backends() throws {
        let app = try #require(config.backend(named: "app"))
        #expect(app.balance == .roundRobin)
        #expect(app.persistence == PersistenceSettings(cookie: "TANDEM_SRV"))
        #expect(
            app.health
                == HealthCheckSettings(
                    kind: .http(path: "/healthz", expect: 200, host: nil),
                    interval: .seconds(1),
                    timeout: .milliseconds(500),
                    rise: 2,
                    fall: 3
                )
        )
        #expect(app.maxConnections == 1000)
        #expect(app.maxQueue == 500)
        #expect(app.queueTimeout == .seconds(2))
        #expect(
            app.servers == [
                ServerSettings(
                    name: "be1",
                    address: SocketAddressSpec(host: "198.18.0.21", port: 80, isIPv6: false),
                    weight: 3
                ),
                ServerSettings(
                    name: "be2",
                    address: SocketAddressSpec(host: "198.18.0.22", port: 80, isIPv6: false),
                    weight: 1
                ),
            ]
        )
        let api = try #require(config.backend(named: "api"))
        #expect(api.balance == .leastLoaded)
        #expect(api.health?.kind == .tcp)
        #expect(
            api.servers[1]
                == ServerSettings(
                    name: "api2",
                    address: SocketAddressSpec(host: "::1", port: 8080, isIPv6: true),
                    isDisabled: true
                )
        )
        #expect(config.backend(named: "nope") == nil)
    }

    @Test func summary() {
        #expect(
            config.summary(file: "tandem.yaml")
                == "tandem.yaml: OK — node lb-a, 2 frontends, 2 backends, 4 servers, HA with 1 peer and 1 VIP"
        )
    }
}
