import Yams

extension ConfigDecoder {
    func decodeFrontend(_ node: Node, _ path: ConfigPath) -> FrontendSettings? {
        let keys = [
            "name", "bind", "mode", "backend", "routes", "tls", "timeouts", "limits", "accept_proxy", "log", "h2c",
            "h2",
        ]
        guard let fields = open(node, at: path, keys: keys) else {
            return nil
        }
        let name = required(fields, "name", self.name)
        let bind = required(fields, "bind", socketAddress)
        let mode = optional(fields, "mode", default: .http, choice(FrontendSettings.Mode.self))
        let backend = required(fields, "backend", backendReference)
        var routes = optional(fields, "routes", default: [], list(nonEmpty: false, decodeRoute))
        let tls = optional(fields, "tls", decodeTLS)
        let timeouts = optional(fields, "timeouts", default: FrontendTimeouts(), decodeFrontendTimeouts)
        let limits = optional(fields, "limits", default: FrontendLimits(), decodeFrontendLimits)
        let acceptProxy = optional(fields, "accept_proxy", default: false, bool)
        let log = optional(fields, "log", decodeAccessLog)
        let h2c = optional(fields, "h2c", default: false, bool)
        let http2 = optional(fields, "h2", default: HTTP2Limits(), decodeHTTP2)
        if h2c, let node = fields["h2c"] {
            if mode == .tcp {
                report(path.key("h2c"), at: node, "not allowed when mode is tcp (HTTP/2 is layer 7)")
            } else if fields["tls"] != nil {
                report(path.key("h2c"), at: node, "not allowed with tls (a TLS frontend negotiates h2 with tls.alpn)")
            }
        }
        if mode == .tcp, let backend {
            layer4BackendReferences.append((backend, path.key("backend"), fields["backend"]?.mark?.line))
        }
        if mode == .tcp, let routesNode = fields["routes"] {
            report(path.key("routes"), at: routesNode, "not allowed when mode is tcp (routes are layer-7 rules)")
            routes = []
        }
        if let name {
            claimUnique(
                name,
                scope: "frontend",
                label: "frontend name",
                path: path.key("name"),
                line: fields["name"]?.mark?.line
            )
        }
        if let bind {
            claimUnique(
                bind.description,
                scope: "bind",
                label: "bind address",
                path: path.key("bind"),
                line: fields["bind"]?.mark?.line
            )
        }
        guard let name, let bind, let backend else {
            return nil
        }
        return FrontendSettings(
            name: name,
            bind: bind,
            mode: mode,
            backend: backend,
            routes: routes,
            tls: tls,
            timeouts: timeouts,
            limits: limits,
            acceptProxy: acceptProxy,
            log: log,
            h2c: h2c,
            http2: http2
        )
    }

    /// A backend name, remembered so that it is checked against the defined backends at the end.
    func backendReference(_ node: Node, _ path: ConfigPath) -> String? {
        guard let name = string(node, path) else {
            return nil
        }
        backendReferences.append((name, path, node.mark?.line))
        return name
    }

    func decodeRoute(_ node: Node, _ path: ConfigPath) -> RouteSettings? {
        guard let fields = open(node, at: path, keys: ["host", "path_prefix", "backend"]) else {
            return nil
        }
        let host = optional(fields, "host", string)
        let pathPrefix = optional(fields, "path_prefix") { node, path -> String? in
            guard let prefix = self.string(node, path) else {
                return nil
            }
            guard prefix.hasPrefix("/") else {
                self.report(path, at: node, "must start with \"/\", got \"\(prefix)\"")
                return nil
            }
            return prefix
        }
        let backend = required(fields, "backend", backendReference)
        if fields["host"] == nil && fields["path_prefix"] == nil {
            report(path, line: fields.line, "needs host or path_prefix (or both)")
        }
        guard let backend, host != nil || pathPrefix != nil else {
            return nil
        }
        return RouteSettings(host: host, pathPrefix: pathPrefix, backend: backend)
    }

    func decodeTLS(_ node: Node, _ path: ConfigPath) -> TLSSettings? {
        let keys = ["certificates", "ticket_keys", "min_version", "handshake_timeout", "alpn"]
        guard let fields = open(node, at: path, keys: keys) else {
            return nil
        }
        let certificates = required(fields, "certificates", list(nonEmpty: true, self.path))
        let ticketKeys = optional(fields, "ticket_keys", self.path)
        // `1.2` unquoted is a YAML float; accept it as written rather than force quotes on the operator.
        let minimumVersion = optional(fields, "min_version", default: .tls12, choice(TLSSettings.MinimumVersion.self))
        let handshakeTimeout = optional(fields, "handshake_timeout", default: .seconds(10), positiveDuration)
        let alpn = optional(
            fields,
            "alpn",
            default: [.h2, .http11],
            list(nonEmpty: true, choice(TLSSettings.ApplicationProtocol.self))
        )
        if let node = fields["alpn"], Set(alpn).count != alpn.count {
            report(path.key("alpn"), at: node, "lists a protocol twice")
        }
        guard let certificates else {
            return nil
        }
        return TLSSettings(
            certificates: certificates,
            ticketKeysPath: ticketKeys,
            minimumVersion: minimumVersion,
            handshakeTimeout: handshakeTimeout,
            alpn: alpn
        )
    }

    func decodeFrontendTimeouts(_ node: Node, _ path: ConfigPath) -> FrontendTimeouts? {
        guard let fields = open(node, at: path, keys: ["header", "keepalive", "client", "tunnel"]) else {
            return nil
        }
        let defaults = FrontendTimeouts()
        return FrontendTimeouts(
            header: optional(fields, "header", default: defaults.header, positiveDuration),
            keepalive: optional(fields, "keepalive", default: defaults.keepalive, positiveDuration),
            client: optional(fields, "client", default: defaults.client, positiveDuration),
            tunnel: optional(fields, "tunnel", default: defaults.tunnel, positiveDuration)
        )
    }

    func decodeHTTP2(_ node: Node, _ path: ConfigPath) -> HTTP2Limits? {
        let keys = ["max_concurrent_streams", "max_header_list_size", "max_resets", "reset_window"]
        guard let fields = open(node, at: path, keys: keys) else {
            return nil
        }
        let defaults = HTTP2Limits()
        // RFC 9113 §6.5.2: a stream limit above 2^31-1 cannot be sent; the header list size is a 32-bit setting.
        let streams = integer(in: 1...Int(Int32.max))
        let listSize = integer(in: 1...Int(Int32.max))
        let positive = integer(in: 1...Int.max)
        return HTTP2Limits(
            maxConcurrentStreams: optional(
                fields,
                "max_concurrent_streams",
                default: defaults.maxConcurrentStreams,
                streams
            ),
            maxHeaderListSize: optional(fields, "max_header_list_size", default: defaults.maxHeaderListSize, listSize),
            maxResets: optional(fields, "max_resets", default: defaults.maxResets, positive),
            resetWindow: optional(fields, "reset_window", default: defaults.resetWindow, positiveDuration)
        )
    }

    func decodeFrontendLimits(_ node: Node, _ path: ConfigPath) -> FrontendLimits? {
        let keys = [
            "max_header_bytes", "max_uri_bytes", "max_header_fields", "max_header_name_bytes",
            "max_connection_tokens", "max_connections",
        ]
        guard let fields = open(node, at: path, keys: keys) else {
            return nil
        }
        let defaults = FrontendLimits()
        let positive = integer(in: 1...Int.max)
        return FrontendLimits(
            maxHeaderBytes: optional(fields, "max_header_bytes", default: defaults.maxHeaderBytes, positive),
            maxURIBytes: optional(fields, "max_uri_bytes", default: defaults.maxURIBytes, positive),
            maxHeaderFields: optional(fields, "max_header_fields", default: defaults.maxHeaderFields, positive),
            maxHeaderNameBytes: optional(
                fields,
                "max_header_name_bytes",
                default: defaults.maxHeaderNameBytes,
                positive
            ),
            maxConnectionTokens: optional(
                fields,
                "max_connection_tokens",
                default: defaults.maxConnectionTokens,
                positive
            ),
            maxConnections: optional(fields, "max_connections", default: defaults.maxConnections, positive)
        )
    }
}
