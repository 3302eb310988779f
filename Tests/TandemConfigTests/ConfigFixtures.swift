import Testing

@testable import TandemConfig

/// Config texts shared by the tests. Addresses are from 198.18.0.0/15 only.
enum ConfigFixtures {
    /// The design's full example config, line for line (docs/configuration.md has a current one).
    static let designExample = """
        node:
          name: lb-a
          admin: /run/tandem/admin.sock
        ha:
          listen: 198.18.0.11:7946        # UDP heartbeat bind address
          peers: [198.18.0.12:7946]       # one or more paths to the peer
          key_file: /etc/tandem/ha.key    # shared secret; heartbeats are HMAC-SHA256 authenticated
          interval: 100ms
          dead_after: 3                   # missed intervals before the peer is declared dead
          priority: 150                   # higher wins
          preempt: true
          preempt_delay: 5s
          helper: /run/tandem/vip.sock
          track:
            - gateway: 198.18.0.1         # a node that cannot reach its gateway goes FAULT and releases the VIP
          vips:
            - address: 198.18.0.100/24
              interface: eth0
          log: /var/log/tandem/heartbeat.log
        frontends:
          - name: web
            bind: 198.18.0.100:80
            mode: http                    # http (layer 7) or tcp (layer 4)
            routes:                       # layer-7 routing, first match wins
              - { host: api.example.com, path_prefix: /v1/, backend: api }
            backend: app                  # default backend
          - name: web-tls
            bind: 198.18.0.100:443
            mode: http
            tls:
              certificates: [/etc/tandem/site-a.pem, /etc/tandem/site-b.pem]   # chosen by SNI
              ticket_keys: /etc/tandem/tickets.key                             # shared by both nodes
            backend: app
        backends:
          - name: app
            balance: round_robin
            persistence: { cookie: TANDEM_SRV }
            health: { http: /healthz, expect: 200, interval: 1s, timeout: 500ms, rise: 2, fall: 3 }
            max_connections: 1000         # per server; excess requests queue, then 503
            max_queue: 500                # per backend
            queue_timeout: 2s
            servers:
              - { name: be1, address: 198.18.0.21:80, weight: 3 }
              - { name: be2, address: 198.18.0.22:80, weight: 1 }
          - name: api
            balance: least_loaded
            health: { tcp: true }
            servers:
              - { name: api1, address: 198.18.0.31:8080 }
              - { name: api2, address: "[::1]:8080", disabled: true }
        """

    /// The smallest valid config: no HA, one frontend, one backend, one server (10 lines).
    static let minimal = """
        node:
          name: lb-a
        frontends:
          - name: web
            bind: 198.18.0.100:80
            backend: app
        backends:
          - name: app
            servers:
              - { name: be1, address: 198.18.0.21:80 }
        """

    /// `minimal` with line `line` (1-based) replaced by `replacement` (which may span several lines).
    static func minimal(replacingLine line: Int, with replacement: String) -> String {
        var lines = minimal.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[line - 1] = replacement
        return lines.joined(separator: "\n")
    }

    /// The error lines for `yaml`, or an empty list when it is valid.
    static func errors(_ yaml: String, file: String = "t.yaml") -> [String] {
        do {
            _ = try ConfigLoader.parse(yaml: yaml, file: file)
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }
}
