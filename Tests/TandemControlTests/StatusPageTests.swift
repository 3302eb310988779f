import Testing

@testable import TandemControl

@Suite("Status page")
struct StatusPageTests {
    func page(serverName: String = "be1", warning: String? = nil) -> StatusPage {
        var ha = StatusFixtures.active.ha
        ha?.warning = warning
        return StatusPage(
            node: "lb-a",
            generatedAt: "2026-12-02T01:00:00.000Z",
            uptimeSeconds: 192,
            ha: ha,
            transitions: [.init(time: "2026-12-02T00:59:00.000Z", from: "STANDBY", to: "ACTIVE", reason: "peer dead")],
            frontends: [
                .init(
                    name: "web",
                    bind: "198.18.0.100:80",
                    mode: "http",
                    tls: true,
                    currentConnections: 3,
                    totalConnections: 9
                )
            ],
            backends: [
                .init(
                    name: "app",
                    queued: 0,
                    servers: [
                        .init(
                            name: serverName,
                            address: "198.18.0.21:8080",
                            health: "down",
                            admin: "enabled",
                            weight: 1,
                            inFlight: 0,
                            ejected: false,
                            lastCheck: "connection refused"
                        )
                    ]
                )
            ]
        )
    }

    /// Everything at a glance: state, reason, peer, VIP holder, RTT, frontends, servers with their last check,
    /// the last state changes; a self-refreshing page with no script and no external asset.
    @Test func showsTheStateAtAGlance() {
        let html = page(warning: "heartbeats from lb-b fail authentication: check key_file").html(refreshSeconds: 2)
        for text in [
            "<span class=\"state active\">ACTIVE</span>", "peer lb-b is dead", "lb-b",
            "held by <b>lb-a (this node)</b>",
            "median 0.21 ms", "198.18.0.100:80", "http + TLS", "connection refused", "<tr class=\"down\">",
            "STANDBY → <b>ACTIVE</b>", "<meta http-equiv=\"refresh\" content=\"2\">",
            "heartbeats from lb-b fail authentication: check key_file",
        ] {
            #expect(html.contains(text), "missing \(text)")
        }
        #expect(!html.contains("<script"))
        #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("src="))
    }

    /// Names from the configuration are escaped, never markup.
    @Test func escapesNames() {
        let html = page(serverName: "<img src=x onerror=alert(1)>").html()
        #expect(!html.contains("<img"))
        #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;"))
    }
}
