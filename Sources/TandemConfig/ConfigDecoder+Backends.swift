import Yams

extension ConfigDecoder {
    func decodeBackend(_ node: Node, _ path: ConfigPath) -> BackendSettings? {
        let keys = [
            "name", "balance", "persistence", "health", "outlier", "max_connections", "max_queue", "queue_timeout",
            "retries", "timeouts", "pool", "send_proxy", "servers",
        ]
        guard let fields = open(node, at: path, keys: keys) else {
            return nil
        }
        let name = required(fields, "name", self.name)
        if let name {
            definedBackends.append(name)
            claimUnique(
                name,
                scope: "backend",
                label: "backend name",
                path: path.key("name"),
                line: fields["name"]?.mark?.line
            )
        }
        let balance = optional(fields, "balance", default: .roundRobin, choice(BackendSettings.Balance.self))
        let persistence = optional(fields, "persistence", decodePersistence)
        let health = optional(fields, "health", decodeHealth)
        let outlier = optional(fields, "outlier", default: OutlierSettings(), decodeOutlier)
        let maxConnections = optional(fields, "max_connections", integer(in: 1...Int.max))
        let maxQueue = optional(fields, "max_queue", default: 100, integer(in: 0...Int.max))
        let queueTimeout = optional(fields, "queue_timeout", default: .seconds(2), duration())
        let retries = optional(fields, "retries", default: 2, integer(in: 0...10))
        let timeouts = optional(fields, "timeouts", default: BackendTimeouts(), decodeBackendTimeouts)
        let pool = optional(fields, "pool", default: PoolSettings(), decodePool)
        let sendProxy = optional(fields, "send_proxy", choice(BackendSettings.ProxyProtocolVersion.self))
        let serverScope = "servers of \(path)"
        let servers = required(
            fields,
            "servers",
            list(nonEmpty: true) { self.decodeServer($0, $1, scope: serverScope) }
        )
        guard let name, let servers else {
            return nil
        }
        return BackendSettings(
            name: name,
            balance: balance,
            persistence: persistence,
            health: health,
            outlier: outlier,
            maxConnections: maxConnections,
            maxQueue: maxQueue,
            queueTimeout: queueTimeout,
            retries: retries,
            timeouts: timeouts,
            pool: pool,
            sendProxy: sendProxy,
            servers: servers
        )
    }

    func decodeServer(_ node: Node, _ path: ConfigPath, scope: String) -> ServerSettings? {
        guard let fields = open(node, at: path, keys: ["name", "address", "weight", "disabled"]) else {
            return nil
        }
        let name = required(fields, "name", self.name)
        let address = required(fields, "address", socketAddress)
        let weight = optional(fields, "weight", default: 1, integer(in: 1...256))
        let disabled = optional(fields, "disabled", default: false, bool)
        if let name {
            claimUnique(
                name,
                scope: scope,
                label: "server name",
                path: path.key("name"),
                line: fields["name"]?.mark?.line
            )
        }
        guard let name, let address else {
            return nil
        }
        return ServerSettings(name: name, address: address, weight: weight, isDisabled: disabled)
    }

    func decodePersistence(_ node: Node, _ path: ConfigPath) -> PersistenceSettings? {
        guard let fields = open(node, at: path, keys: ["cookie"]) else {
            return nil
        }
        let cookie = required(fields, "cookie") { node, path -> String? in
            guard let name = self.string(node, path) else {
                return nil
            }
            guard name.unicodeScalars.allSatisfy(Self.isCookieNameCharacter) else {
                self.report(
                    path,
                    at: node,
                    "must be a cookie name (letters, digits and !#$%&'*+-.^_`|~), got \"\(name)\""
                )
                return nil
            }
            return name
        }
        return cookie.map(PersistenceSettings.init(cookie:))
    }

    /// RFC 6265 cookie-name: an RFC 2616 token, any visible ASCII character except separators.
    static func isCookieNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value > 0x20 && scalar.value < 0x7F && !"()<>@,;:\\\"/[]?={}".unicodeScalars.contains(scalar)
    }

    func decodeHealth(_ node: Node, _ path: ConfigPath) -> HealthCheckSettings? {
        let keys = ["http", "tcp", "expect", "host", "interval", "timeout", "rise", "fall"]
        guard let fields = open(node, at: path, keys: keys) else {
            return nil
        }
        let interval = optional(fields, "interval", default: .seconds(1), positiveDuration)
        let timeout = optional(fields, "timeout", default: .milliseconds(500), positiveDuration)
        let rise = optional(fields, "rise", default: 2, integer(in: 1...100))
        let fall = optional(fields, "fall", default: 3, integer(in: 1...100))
        checkTimeout(timeout, below: interval, in: fields)
        let kind: HealthCheckSettings.Kind?
        switch (fields["http"], fields["tcp"]) {
        case (.some, .some), (.none, .none):
            report(path, line: fields.line, "expected exactly one of http: /path or tcp: true")
            kind = nil
        case (.some(let httpNode), .none):
            let checkPath = required(fields, "http") { node, path -> String? in
                guard let text = self.string(node, path) else {
                    return nil
                }
                guard text.hasPrefix("/") else {
                    self.report(path, at: httpNode, "must be a path starting with \"/\", got \"\(text)\"")
                    return nil
                }
                return text
            }
            let expect = optional(fields, "expect", default: 200, integer(in: 100...599))
            let host = optional(fields, "host", string)
            kind = checkPath.map { .http(path: $0, expect: expect, host: host) }
        case (.none, .some):
            for key in ["expect", "host"] {
                if let extra = fields[key] {
                    report(path.key(key), at: extra, "only allowed with http checks")
                }
            }
            let isTrue = required(fields, "tcp") { node, path -> Bool? in
                guard let value = self.bool(node, path) else {
                    return nil
                }
                if !value {
                    self.report(path, at: node, "must be true (leave health out to disable checks)")
                }
                return value
            }
            kind = isTrue == true ? .tcp : nil
        }
        guard let kind else {
            return nil
        }
        return HealthCheckSettings(kind: kind, interval: interval, timeout: timeout, rise: rise, fall: fall)
    }

    func decodeOutlier(_ node: Node, _ path: ConfigPath) -> OutlierSettings? {
        let keys = ["enabled", "consecutive_failures", "base_ejection", "max_ejection", "max_ejected_percent"]
        guard let fields = open(node, at: path, keys: keys) else {
            return nil
        }
        let defaults = OutlierSettings()
        let settings = OutlierSettings(
            isEnabled: optional(fields, "enabled", default: true, bool),
            consecutiveFailures: optional(
                fields,
                "consecutive_failures",
                default: defaults.consecutiveFailures,
                integer(in: 1...1000)
            ),
            baseEjection: optional(fields, "base_ejection", default: defaults.baseEjection, positiveDuration),
            maxEjection: optional(fields, "max_ejection", default: defaults.maxEjection, positiveDuration),
            maxEjectedPercent: optional(
                fields,
                "max_ejected_percent",
                default: defaults.maxEjectedPercent,
                integer(in: 0...100)
            )
        )
        if settings.maxEjection < settings.baseEjection {
            report(
                path.key("max_ejection"),
                line: fields["max_ejection"]?.mark?.line ?? fields.line,
                "must not be shorter than base_ejection (\(settings.baseEjection.configDescription))"
            )
        }
        return settings
    }

    func decodeBackendTimeouts(_ node: Node, _ path: ConfigPath) -> BackendTimeouts? {
        guard let fields = open(node, at: path, keys: ["connect", "response", "server"]) else {
            return nil
        }
        let defaults = BackendTimeouts()
        return BackendTimeouts(
            connect: optional(fields, "connect", default: defaults.connect, positiveDuration),
            response: optional(fields, "response", default: defaults.response, positiveDuration),
            server: optional(fields, "server", default: defaults.server, positiveDuration)
        )
    }

    func decodePool(_ node: Node, _ path: ConfigPath) -> PoolSettings? {
        guard let fields = open(node, at: path, keys: ["max_idle", "idle_timeout"]) else {
            return nil
        }
        let defaults = PoolSettings()
        return PoolSettings(
            maxIdle: optional(fields, "max_idle", default: defaults.maxIdle, integer(in: 0...10000)),
            idleTimeout: optional(fields, "idle_timeout", default: defaults.idleTimeout, positiveDuration)
        )
    }
}
