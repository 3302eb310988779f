import Testing

@testable import TandemConfig

extension ValidationErrorTests {
    @Test func duplicateNames() {
        let frontends = F.minimal(
            replacingLine: 6,
            with: """
                    backend: app
                  - name: web
                    bind: 198.18.0.100:81
                    backend: app
                """
        )
        #expect(
            F.errors(frontends) == [
                "t.yaml:7: frontends[1].name: duplicate frontend name \"web\" (first used on line 4)"
            ]
        )
        let backends =
            F.minimal + """

                  - name: app
                    servers: [{ name: be1, address: 198.18.0.22:80 }]
                """
        #expect(
            F.errors(backends) == ["t.yaml:11: backends[1].name: duplicate backend name \"app\" (first used on line 8)"]
        )
        let servers = F.minimal + "\n      - { name: be1, address: 198.18.0.22:80 }"
        #expect(
            F.errors(servers) == [
                "t.yaml:11: backends[0].servers[1].name: duplicate server name \"be1\" (first used on line 10)"
            ]
        )
    }

    @Test func missingBackendReferences() {
        #expect(
            F.errors(F.minimal(replacingLine: 6, with: "    backend: apx")) == [
                "t.yaml:6: frontends[0].backend: no backend named \"apx\" (defined: app)"
            ]
        )
        let route = F.minimal(
            replacingLine: 6,
            with: """
                    backend: app
                    routes: [{ path_prefix: /v1/, backend: apy }]
                """
        )
        #expect(
            F.errors(route) == ["t.yaml:7: frontends[0].routes[0].backend: no backend named \"apy\" (defined: app)"]
        )
    }

    @Test func badDurations() {
        #expect(
            F.errors(F.minimal(replacingLine: 2, with: "  name: lb-a\n  drain_timeout: 5")) == [
                "t.yaml:3: node.drain_timeout: expected a duration like 100ms, 2s or 5m, got 5 (add a unit:"
                    + " us, ms, s, m or h)"
            ]
        )
        #expect(
            F.errors(F.minimal(replacingLine: 2, with: "  name: lb-a\n  drain_timeout: 1d")) == [
                "t.yaml:3: node.drain_timeout: expected a duration like 100ms, 2s or 5m, got \"1d\""
            ]
        )
        #expect(
            F.errors(Self.withHA(extra: "  interval: 5ms")) == [
                "t.yaml:17: ha.interval: must be at least 10ms, got 5ms"
            ]
        )
        let health = F.minimal(
            replacingLine: 9,
            with: "    health: { tcp: true, interval: 1s, timeout: 1s }\n    servers:"
        )
        #expect(
            F.errors(health) == ["t.yaml:9: backends[0].health.timeout: must be shorter than interval (1s), got 1s"]
        )
    }

    @Test func badSocketAddresses() {
        let cases = [
            ("198.18.0.300:80", "\"198.18.0.300\" is not an IPv4 or IPv6 address (host names are not allowed)"),
            ("localhost:80", "\"localhost\" is not an IPv4 or IPv6 address (host names are not allowed)"),
            ("198.18.0.1:0", "port must be between 1 and 65535, got \"0\""),
            ("198.18.0.1", "expected an address like 198.18.0.1:80 or [::1]:80, got \"198.18.0.1\""),
            ("\"::1:80\"", "an IPv6 address needs brackets, like [::1]:80"),
            ("\"[::1]:99999\"", "port must be between 1 and 65535, got \"99999\""),
            ("8080", "expected an address like 198.18.0.1:80 or [::1]:80, got \"8080\""),
        ]
        for (value, message) in cases {
            #expect(
                F.errors(F.minimal(replacingLine: 5, with: "    bind: \(value)")) == [
                    "t.yaml:5: frontends[0].bind: \(message)"
                ]
            )
        }
    }

    @Test func badCIDRs() {
        #expect(
            F.errors(Self.withHA(vip: "198.18.0.100/33")) == [
                "t.yaml:16: ha.vips[0].address: prefix length must be between 0 and 32, got \"33\""
            ]
        )
        #expect(
            F.errors(Self.withHA(vip: "198.18.0.100")) == [
                "t.yaml:16: ha.vips[0].address: expected an address with a prefix length like"
                    + " 198.18.0.100/24, got \"198.18.0.100\""
            ]
        )
        #expect(
            F.errors(Self.withHA(vip: "lb.example/24")) == [
                "t.yaml:16: ha.vips[0].address: \"lb.example\" is not an IPv4 or IPv6 address"
            ]
        )
    }

    @Test func outOfRangeIntegers() {
        #expect(
            F.errors(F.minimal(replacingLine: 10, with: "      - { name: be1, address: 198.18.0.21:80, weight: 0 }"))
                == [
                    "t.yaml:10: backends[0].servers[0].weight: must be between 1 and 256, got 0"
                ]
        )
        #expect(
            F.errors(F.minimal(replacingLine: 2, with: "  name: lb-a\n  threads: 257")) == [
                "t.yaml:3: node.threads: must be between 1 and 256, got 257"
            ]
        )
        #expect(
            F.errors(Self.withHA(extra: "  priority: 255\n  dead_after: 1")) == [
                "t.yaml:17: ha.priority: must be between 1 and 254, got 255",
                "t.yaml:18: ha.dead_after: must be between 2 and 100, got 1",
            ]
        )
        #expect(
            F.errors(F.minimal(replacingLine: 9, with: "    max_queue: -1\n    servers:")) == [
                "t.yaml:9: backends[0].max_queue: must be zero or a positive integer, got -1"
            ]
        )
    }

    @Test func yamlSyntaxError() {
        let errors = F.errors(F.minimal(replacingLine: 5, with: "    bind: [198.18.0.100:80"))
        #expect(errors.count == 1)
        #expect(errors.first?.hasPrefix("t.yaml:6: YAML syntax error: ") == true)
    }

    @Test func duplicateYAMLKeys() {
        #expect(
            F.errors(F.minimal(replacingLine: 2, with: "  name: lb-a\n  name: lb-b")) == [
                "t.yaml:3: node.name: duplicate key (first defined on line 2)"
            ]
        )
        // Two duplicates in different mappings (one of them a flow mapping) are both reported, with paths.
        let twice = F.minimal(replacingLine: 2, with: "  name: lb-a\n  name: lb-b")
            .replacingOccurrences(of: "{ name: be1,", with: "{ name: be1, \"name\": be2,")
        #expect(
            F.errors(twice) == [
                "t.yaml:3: node.name: duplicate key (first defined on line 2)",
                "t.yaml:11: backends[0].servers[0].name: duplicate key (first defined on line 11)",
            ]
        )
    }

    @Test func everyErrorInOneFileIsReported() {
        let yaml = """
            node:
              name: "lb a"
              threads: 0
            frontends:
              - name: web
                bind: 198.18.0.100:80
                mode: tcp
                backend: nope
                routes: [{ host: api.example.com, backend: app }]
              - name: web
                bind: 198.18.0.100:80
                backend: app
                timeouts: { header: 10 }
            backends:
              - name: app
                balance: fastest
                persistence: { cookie: "a;b" }
                health: { http: healthz, tcp: true }
                outlier: { base_ejection: 1m, max_ejection: 30s }
                servers:
                  - { name: be1, address: 198.18.0.21:80, wieght: 2 }
                  - { address: 198.18.0.22:80 }
            """
        #expect(
            F.errors(yaml, file: "/etc/tandem/tandem.yaml") == [
                "/etc/tandem/tandem.yaml:2: node.name: must be 1-63 characters of A-Z, a-z, 0-9, '.', '_' and"
                    + " '-', got \"lb a\"",
                "/etc/tandem/tandem.yaml:3: node.threads: must be between 1 and 256, got 0",
                "/etc/tandem/tandem.yaml:8: frontends[0].backend: no backend named \"nope\" (defined: app)",
                "/etc/tandem/tandem.yaml:9: frontends[0].routes: not allowed when mode is tcp (routes are"
                    + " layer-7 rules)",
                "/etc/tandem/tandem.yaml:10: frontends[1].name: duplicate frontend name \"web\" (first used on line 5)",
                "/etc/tandem/tandem.yaml:11: frontends[1].bind: duplicate bind address \"198.18.0.100:80\""
                    + " (first used on line 6)",
                "/etc/tandem/tandem.yaml:13: frontends[1].timeouts.header: expected a duration like 100ms, 2s"
                    + " or 5m, got 10 (add a unit: us, ms, s, m or h)",
                "/etc/tandem/tandem.yaml:16: backends[0].balance: expected one of: round_robin, random,"
                    + " least_connections, least_loaded, source_hash, uri_hash; got \"fastest\"",
                "/etc/tandem/tandem.yaml:17: backends[0].persistence.cookie: must be a cookie name (letters,"
                    + " digits and !#$%&'*+-.^_`|~), got \"a;b\"",
                "/etc/tandem/tandem.yaml:18: backends[0].health: expected exactly one of http: /path or tcp: true",
                "/etc/tandem/tandem.yaml:19: backends[0].outlier.max_ejection: must not be shorter than"
                    + " base_ejection (1m)",
                "/etc/tandem/tandem.yaml:21: backends[0].servers[0].wieght: unknown key (expected one of:"
                    + " name, address, weight, disabled)",
                "/etc/tandem/tandem.yaml:22: backends[0].servers[1].name: is required",
            ]
        )
    }

    @Test func sectionRules() {
        let tcpHealthWithExpect = F.minimal(
            replacingLine: 9,
            with: "    health: { tcp: true, expect: 200 }\n    servers:"
        )
        #expect(F.errors(tcpHealthWithExpect) == ["t.yaml:9: backends[0].health.expect: only allowed with http checks"])
        let routeWithoutMatch = F.minimal(replacingLine: 6, with: "    backend: app\n    routes: [{ backend: app }]")
        #expect(
            F.errors(routeWithoutMatch) == ["t.yaml:7: frontends[0].routes[0]: needs host or path_prefix (or both)"]
        )
        let badPrefix = F.minimal(
            replacingLine: 6,
            with: "    backend: app\n    routes: [{ path_prefix: v1, backend: app }]"
        )
        #expect(
            F.errors(badPrefix) == ["t.yaml:7: frontends[0].routes[0].path_prefix: must start with \"/\", got \"v1\""]
        )
        #expect(
            F.errors(Self.withHA(extra: "  track: [{ gateway: 198.18.0.1, backends: all }]")) == [
                "t.yaml:17: ha.track[0]: expected exactly one of gateway or backends"
            ]
        )
        #expect(F.errors(Self.withHA(extra: "  peers: []")).contains("t.yaml:17: ha.peers: must not be empty"))
        #expect(
            F.errors(Self.withHA().replacingOccurrences(of: "interface: eth0", with: "interface: a-very-long-name0"))
                == [
                    "t.yaml:16: ha.vips[0].interface: must be an interface name of 1-15 characters, got"
                        + " \"a-very-long-name0\""
                ]
        )
        #expect(
            F.errors(Self.withHA().replacingOccurrences(of: "[198.18.0.12:7946]", with: "[198.18.0.11:7946]")) == [
                "t.yaml:13: ha.peers[0]: must differ from listen"
            ]
        )
        #expect(F.errors("") == ["t.yaml: the file is empty; node, frontends and backends are required"])
    }
}

/// The HTTP/2 keys: `h2c`, `h2:` limits and `tls.alpn`, their defaults and their refusals.
@Suite struct HTTP2ConfigTests {
    typealias F = ConfigFixtures

    @Test func defaultsAndValues() throws {
        let plain = try ConfigLoader.parse(yaml: F.minimal, file: "t.yaml")
        #expect(plain.frontends[0].h2c == false)
        #expect(plain.frontends[0].http2 == HTTP2Limits())
        #expect(plain.frontends[0].speaksHTTP2 == false)
        let yaml = F.minimal(
            replacingLine: 5,
            with:
                "    bind: 198.18.0.100:80\n    h2c: true\n    h2: { max_concurrent_streams: 7, max_header_list_size: 4096, max_resets: 5, reset_window: 2s }"
        )
        let configured = try ConfigLoader.parse(yaml: yaml, file: "t.yaml").frontends[0]
        #expect(configured.h2c)
        #expect(configured.speaksHTTP2)
        #expect(
            configured.http2
                == HTTP2Limits(maxConcurrentStreams: 7, maxHeaderListSize: 4096, maxResets: 5, resetWindow: .seconds(2))
        )
    }

    @Test func refusals() {
        let tls = F.minimal(
            replacingLine: 5,
            with: "    bind: 198.18.0.100:80\n    h2c: true\n    tls: { certificates: [/x.pem], alpn: [h3] }"
        )
        let errors = F.errors(tls)
        #expect(errors.contains { $0.contains("frontends[0].h2c: not allowed with tls") })
        #expect(errors.contains { $0.contains("frontends[0].tls.alpn[0]: expected one of: h2, http/1.1") })
        let twice = F.errors(
            F.minimal(
                replacingLine: 5,
                with: "    bind: 198.18.0.100:80\n    tls: { certificates: [/x.pem], alpn: [h2, h2] }"
            )
        )
        #expect(twice.contains { $0.contains("frontends[0].tls.alpn: lists a protocol twice") })
        let zero = F.errors(
            F.minimal(replacingLine: 5, with: "    bind: 198.18.0.100:80\n    h2: { max_concurrent_streams: 0 }")
        )
        #expect(zero.contains { $0.contains("frontends[0].h2.max_concurrent_streams:") })
    }
}
