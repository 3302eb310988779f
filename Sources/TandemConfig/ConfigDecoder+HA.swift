import Yams

extension ConfigDecoder {
    func decodeHA(_ node: Node, _ path: ConfigPath) -> HASettings? {
        let keys = [
            "listen", "peers", "key_file", "interval", "dead_after", "priority", "preempt", "preempt_delay",
            "helper", "track", "vips", "groups", "announce", "log",
        ]
        guard let fields = open(node, at: path, keys: keys) else {
            return nil
        }
        let listen = required(fields, "listen", socketAddress)
        let peers = required(fields, "peers", list(nonEmpty: true, socketAddress))
        let keyFile = required(fields, "key_file", self.path)
        let interval = optional(fields, "interval", default: .milliseconds(100), duration(atLeast: .milliseconds(10)))
        let deadAfter = optional(fields, "dead_after", default: 3, integer(in: 2...100))
        let priority = optional(fields, "priority", default: 100, integer(in: 1...254))
        let preempt = optional(fields, "preempt", default: true, bool)
        let preemptDelay = optional(fields, "preempt_delay", default: .seconds(5), duration())
        let helper = optional(fields, "helper", default: HASettings.defaultHelperSocketPath, self.path)
        let track = optional(fields, "track", default: [], list(nonEmpty: false, decodeTrack))
        let defaults = VIPGroupSettings(
            name: VIPGroupSettings.implicitName,
            vips: [],
            priority: priority,
            preempt: preempt,
            preemptDelay: preemptDelay
        )
        let elections = decodeElections(fields, defaults: defaults)
        let announce = optional(fields, "announce", default: AnnounceSettings(), decodeAnnounce)
        let log = optional(fields, "log", self.path)
        if let listen {
            for (index, peer) in (fields["peers"]?.array() ?? []).enumerated()
            where peer.scalar.flatMap({ SocketAddressSpec(configString: $0.string) }) == listen {
                report(path.key("peers").index(index), at: peer, "must differ from listen")
            }
        }
        guard let listen, let peers, let keyFile, let elections else {
            return nil
        }
        return HASettings(
            listen: listen,
            peers: peers,
            keyFile: keyFile,
            interval: interval,
            deadAfter: deadAfter,
            priority: priority,
            preempt: preempt,
            preemptDelay: preemptDelay,
            helperSocketPath: helper,
            track: track,
            vips: elections.vips,
            announce: announce,
            logPath: log,
            declaredGroups: elections.groups
        )
    }

    /// The VIPs and their elections: `vips` (the single-group form: groups nil) or `groups`, exactly one of them.
    /// In the groups form `vips` is every group's VIPs in file order, the invariant `HASettings.vips` documents.
    /// With both keys, the second in the file is the one reported, and only the first is decoded, so its errors
    /// are not mixed with duplicates from the other.
    private func decodeElections(
        _ fields: MappingFields,
        defaults: VIPGroupSettings
    ) -> (vips: [VIPSettings], groups: [VIPGroupSettings]?)? {
        switch (fields["vips"], fields["groups"]) {
        case (nil, nil):
            report(fields.path, line: fields.line, "expected exactly one of vips (a single group) or groups")
            return nil
        case (let vips?, let groups?):
            let vipsFirst = (vips.mark?.line ?? 0) <= (groups.mark?.line ?? 0)
            let (first, second) = vipsFirst ? ("vips", groups) : ("groups", vips)
            report(
                fields.path.key(vipsFirst ? "groups" : "vips"),
                at: second,
                "cannot be used with \(first): list every VIP under groups, or use vips alone for one group"
            )
            return nil
        case (.some, nil):
            return required(fields, "vips", list(nonEmpty: true, decodeVIP)).map { ($0, nil) }
        case (nil, .some):
            return required(fields, "groups") { node, path in self.decodeGroups(node, path, defaults: defaults) }
                .map { (vips: $0.flatMap(\.vips), groups: $0) }
        }
    }

    /// `groups`: a list of 1...`VIPGroupSettings.maximumCount` groups (items are decoded even past the limit,
    /// so their own errors are reported too).
    private func decodeGroups(_ node: Node, _ path: ConfigPath, defaults: VIPGroupSettings) -> [VIPGroupSettings]? {
        let written = node.sequence?.count ?? 0
        if written > VIPGroupSettings.maximumCount {
            report(
                path,
                at: node,
                "at most \(VIPGroupSettings.maximumCount) groups (they all travel in one heartbeat), got \(written)"
            )
        }
        return list(nonEmpty: true) { self.decodeGroup($0, $1, defaults: defaults) }(node, path)
    }

    /// One item of `groups`; `priority`, `preempt` and `preempt_delay` default to the `ha:` section's.
    private func decodeGroup(_ node: Node, _ path: ConfigPath, defaults: VIPGroupSettings) -> VIPGroupSettings? {
        guard let fields = open(node, at: path, keys: ["name", "vips", "priority", "preempt", "preempt_delay"]) else {
            return nil
        }
        let name = required(fields, "name", self.name)
        if let name {
            claimUnique(
                name,
                scope: "VIP group",
                label: "group name",
                path: path.key("name"),
                line: fields["name"]?.mark?.line
            )
        }
        // A group whose name is invalid is still named in messages about its VIPs, by its path.
        let label = name ?? path.description
        let vips = required(fields, "vips", list(nonEmpty: true) { self.decodeVIP($0, $1, group: label) })
        let priority = optional(fields, "priority", default: defaults.priority, integer(in: 1...254))
        let preempt = optional(fields, "preempt", default: defaults.preempt, bool)
        let preemptDelay = optional(fields, "preempt_delay", default: defaults.preemptDelay, duration())
        guard let name, let vips else {
            return nil
        }
        return VIPGroupSettings(
            name: name,
            vips: vips,
            priority: priority,
            preempt: preempt,
            preemptDelay: preemptDelay
        )
    }

    /// A track item is exactly one of `{ gateway: ... }` or `{ backends: all, penalty: ... }`.
    func decodeTrack(_ node: Node, _ path: ConfigPath) -> HASettings.Track? {
        let hasGateway = node.mapping?["gateway"] != nil
        let hasBackends = node.mapping?["backends"] != nil
        guard case .mapping = node, hasGateway != hasBackends else {
            report(path, at: node, "expected exactly one of gateway or backends")
            return nil
        }
        if hasGateway {
            guard let fields = open(node, at: path, keys: ["gateway", "interval", "timeout", "rise", "fall"]) else {
                return nil
            }
            let address = required(fields, "gateway", ipAddress)
            let interval = optional(fields, "interval", default: .seconds(1), positiveDuration)
            let timeout = optional(fields, "timeout", default: .milliseconds(500), positiveDuration)
            let rise = optional(fields, "rise", default: 2, integer(in: 1...100))
            let fall = optional(fields, "fall", default: 3, integer(in: 1...100))
            checkTimeout(timeout, below: interval, in: fields)
            guard let address else {
                return nil
            }
            return .gateway(
                GatewayTrack(
                    address: address.address,
                    isIPv6: address.isIPv6,
                    interval: interval,
                    timeout: timeout,
                    rise: rise,
                    fall: fall
                )
            )
        }
        guard let fields = open(node, at: path, keys: ["backends", "penalty"]) else {
            return nil
        }
        let scope = required(fields, "backends") { node, path in
            if node.scalar?.string == "all" {
                return "all"
            }
            self.report(path, at: node, "expected all, got \(Self.describe(node))")
            return nil
        }
        let penalty = optional(fields, "penalty", default: 50, integer(in: 1...253))
        guard scope != nil else {
            return nil
        }
        return .backends(penalty: penalty)
    }

    func decodeVIP(_ node: Node, _ path: ConfigPath) -> VIPSettings? {
        decodeVIP(node, path, group: nil)
    }

    /// A VIP item; `group` names the group it is in (nil in the single-group form), so an address in two
    /// groups is reported with both: a VIP can have only one election deciding who holds it.
    func decodeVIP(_ node: Node, _ path: ConfigPath, group: String?) -> VIPSettings? {
        guard let fields = open(node, at: path, keys: ["address", "interface"]) else {
            return nil
        }
        let address = required(fields, "address", cidr)
        let interface = required(fields, "interface") { node, path -> String? in
            guard let name = self.string(node, path) else {
                return nil
            }
            guard name.count <= 15, !name.contains("/"), !name.contains(where: \.isWhitespace) else {
                self.report(path, at: node, "must be an interface name of 1-15 characters, got \"\(name)\"")
                return nil
            }
            return name
        }
        if let address {
            let line = fields["address"]?.mark?.line
            if let group, let owner = vipGroups[address.address], owner.group != group {
                let ownerLine = owner.line.map { " (line \($0))" } ?? ""
                report(
                    path.key("address"),
                    line: line,
                    "VIP address \"\(address.address)\" is in group \(owner.group)\(ownerLine) and in group \(group):"
                        + " a VIP belongs to one group"
                )
            } else {
                claimUnique(address.address, scope: "VIP", label: "VIP address", path: path.key("address"), line: line)
                if let group, vipGroups[address.address] == nil { vipGroups[address.address] = (group, line) }
            }
        }
        guard let address, let interface else {
            return nil
        }
        return VIPSettings(address: address, interface: interface)
    }

    func decodeAnnounce(_ node: Node, _ path: ConfigPath) -> AnnounceSettings? {
        guard let fields = open(node, at: path, keys: ["count", "spacing", "refresh"]) else {
            return nil
        }
        let defaults = AnnounceSettings()
        return AnnounceSettings(
            count: optional(fields, "count", default: defaults.count, integer(in: 1...20)),
            spacing: optional(fields, "spacing", default: defaults.spacing, positiveDuration),
            refresh: optional(fields, "refresh", default: defaults.refresh, positiveDuration)
        )
    }

    /// Reports a check timeout that is not shorter than its interval: checks would overlap.
    func checkTimeout(_ timeout: Duration, below interval: Duration, in fields: MappingFields) {
        guard timeout >= interval else {
            return
        }
        report(
            fields.path.key("timeout"),
            line: fields["timeout"]?.mark?.line ?? fields.line,
            "must be shorter than interval (\(interval.configDescription)), got \(timeout.configDescription)"
        )
    }
}
