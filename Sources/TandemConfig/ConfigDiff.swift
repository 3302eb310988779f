/// What changes between the configuration in force and a newly read one, and which changes a running daemon
/// cannot apply (they need a restart).
///
/// Frontends, backends and servers are matched by name, so a renamed server is one removed and one added: its
/// run-time state (health, drain, weight set at run time) belongs to the old name. Pure, so the reload applies
/// exactly what `tandem reload` prints, and tests need no daemon.
public struct ConfigDiff: Sendable, Equatable {
    /// The items of one kind matched by name.
    public struct Names: Sendable, Equatable {
        public var added: [String] = []
        public var removed: [String] = []
        /// Items in both with different settings, with the keys that differ; in the new configuration's order.
        public var changed: [Changed] = []

        public init(added: [String] = [], removed: [String] = [], changed: [Changed] = []) {
            self.added = added
            self.removed = removed
            self.changed = changed
        }

        public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }
    }

    /// One item in both configurations whose settings differ.
    public struct Changed: Sendable, Equatable {
        public var name: String
        /// The YAML keys that differ, like `bind` or `health`.
        public var keys: [String]

        public init(name: String, keys: [String]) {
            self.name = name
            self.keys = keys
        }
    }

    public var frontends = Names()
    public var backends = Names()
    /// The servers of one backend that is in both configurations.
    public struct Servers: Sendable, Equatable {
        public var backend: String
        public var names: Names

        public init(backend: String, names: Names) {
            self.backend = backend
            self.names = names
        }
    }

    /// The server changes of each backend in both configurations whose servers differ, in configuration order.
    public var servers: [Servers] = []
    /// Node and HA keys that changed and are applied while running: `node.drain_timeout`, `ha.priority`,
    /// `ha.preempt`, `ha.preempt_delay`, `ha.track` (a new `backends` penalty), and a declared group's
    /// numbers as `ha.groups[web-a].priority`, `.preempt`, `.preempt_delay`.
    public var applied: [String] = []
    /// Keys that changed but are not applied, because the sockets, threads, keys, peers or elections they
    /// describe are set up once at start: the daemon must be restarted for them. Groups are matched by name: a
    /// group added or removed (a rename is both) is `ha.groups[web-c] (added)` / `(removed)`, new VIPs of a
    /// group `ha.groups[web-a].vips`, the same groups in another order `ha.groups (order)`, and switching
    /// between `ha.vips` and `ha.groups` is `ha.groups`.
    public var needsRestart: [String] = []
    /// The elections whose numbers the runtime applies, one per group in force (`ha.groups` by name, or the
    /// single group ``VIPGroupSettings/implicitName`` of `ha.vips`) whose `priority`, `preempt` or
    /// `preempt_delay` differ once the new configuration is applied, with those keys; in the order of the
    /// groups in force. The new numbers are that group's in `inForce(_:over:)`'s `ha.groups`. A group whose
    /// VIPs also changed still gets its new numbers; its VIPs wait for the restart.
    public var appliedGroups: [Changed] = []

    /// Compares `old` (in force) with `new` (just read and validated).
    public init(from old: TandemConfiguration, to new: TandemConfiguration) {
        frontends = Self.match(old.frontends, new.frontends, name: \.name, keys: Self.changedKeys)
        backends = Self.match(old.backends, new.backends, name: \.name, keys: Self.changedKeys)
        for backend in new.backends {
            guard let before = old.backend(named: backend.name) else { continue }
            let names = Self.match(before.servers, backend.servers, name: \.name, keys: Self.changedKeys)
            if !names.isEmpty { servers.append(Servers(backend: backend.name, names: names)) }
        }
        compareNode(old.node, new.node)
        compareHA(old.ha, new.ha)
        if let before = old.ha, let wanted = new.ha {
            let live = Self.live(wanted, over: before, trackApplied: applied.contains("ha.track"))
            appliedGroups = zip(before.groups, live.groups).compactMap { before, after in
                let keys = Self.electionKeys(before, after)
                return keys.isEmpty ? nil : Changed(name: before.name, keys: keys)
            }
        }
    }

    /// The configuration in force once `new` is applied over `old`: every key that needs a restart keeps its old
    /// value, so the next reload reports it again until the daemon restarts.
    public static func inForce(_ new: TandemConfiguration, over old: TandemConfiguration) -> TandemConfiguration {
        var result = new
        result.node = old.node
        result.node.drainTimeout = new.node.drainTimeout
        result.ha = old.ha
        if let ha = old.ha, let wanted = new.ha {
            let trackApplied = ConfigDiff(from: old, to: new).applied.contains("ha.track")
            result.ha = live(wanted, over: ha, trackApplied: trackApplied)
        }
        return result
    }

    /// `old` with what a reload applies from `new`: the election numbers (top level, and each declared group's
    /// that `new` has by the same name) and, when `trackApplied`, the tracks. The groups, their names, order
    /// and VIPs stay `old`'s.
    private static func live(_ new: HASettings, over old: HASettings, trackApplied: Bool) -> HASettings {
        var ha = old
        ha.priority = new.priority
        ha.preempt = new.preempt
        ha.preemptDelay = new.preemptDelay
        if trackApplied { ha.track = new.track }
        if let wanted = new.declaredGroups, let groups = old.declaredGroups {
            ha.declaredGroups = groups.map { group in
                guard let target = wanted.first(where: { $0.name == group.name }) else { return group }
                var result = group
                result.priority = target.priority
                result.preempt = target.preempt
                result.preemptDelay = target.preemptDelay
                return result
            }
        }
        return ha
    }

    /// True when the new configuration is the one in force.
    public var isEmpty: Bool {
        frontends.isEmpty && backends.isEmpty && applied.isEmpty && needsRestart.isEmpty
    }

    /// The lines `tandem reload` prints, e.g. `backends: changed app (servers)`, then
    /// `servers of app: added be3; removed be1`, and `needs a restart, not applied: ha.interval`.
    public var summary: [String] {
        guard !isEmpty else { return ["no change"] }
        var lines: [String] = []
        if let line = Self.line("frontends", frontends) { lines.append(line) }
        if let line = Self.line("backends", backends) { lines.append(line) }
        for backend in servers {
            if let line = Self.line("servers of \(backend.backend)", backend.names) { lines.append(line) }
        }
        if !applied.isEmpty { lines.append("applied: " + applied.joined(separator: ", ")) }
        if !needsRestart.isEmpty {
            lines.append("needs a restart, not applied: " + needsRestart.joined(separator: ", "))
        }
        return lines
    }

    // MARK: Node and HA

    private mutating func compareNode(_ old: NodeSettings, _ new: NodeSettings) {
        if old.drainTimeout != new.drainTimeout { applied.append("node.drain_timeout") }
        let fixed: [(String, Bool)] = [
            ("node.name", old.name != new.name),
            ("node.admin", old.adminSocketPath != new.adminSocketPath),
            ("node.threads", old.threads != new.threads),
            ("node.stats", old.statsBind != new.statsBind),
            ("node.state_directory", old.stateDirectory != new.stateDirectory),
            ("node.admin_operators", old.adminOperators != new.adminOperators),
        ]
        needsRestart += fixed.filter(\.1).map(\.0)
    }

    private mutating func compareHA(_ old: HASettings?, _ new: HASettings?) {
        guard let old, let new else {
            if (old == nil) != (new == nil) { needsRestart.append("ha") }
            return
        }
        let live: [(String, Bool)] = [
            ("ha.priority", old.priority != new.priority),
            ("ha.preempt", old.preempt != new.preempt),
            ("ha.preempt_delay", old.preemptDelay != new.preemptDelay),
        ]
        applied += live.filter(\.1).map(\.0)
        if old.declaredGroups != nil || new.declaredGroups != nil { compareGroups(old, new) }
        // The backends track's penalty is one number in the election; a gateway track is a prober started at start.
        if old.track != new.track {
            let sameShape =
                Self.gateways(old) == Self.gateways(new)
                && (Self.backendPenalty(old) == nil) == (Self.backendPenalty(new) == nil)
            if sameShape { applied.append("ha.track") } else { needsRestart.append("ha.track") }
        }
        let fixed: [(String, Bool)] = [
            ("ha.listen", old.listen != new.listen),
            ("ha.peers", old.peers != new.peers),
            ("ha.key_file", old.keyFile != new.keyFile),
            ("ha.interval", old.interval != new.interval),
            ("ha.dead_after", old.deadAfter != new.deadAfter),
            ("ha.helper", old.helperSocketPath != new.helperSocketPath),
            // In the groups form `vips` is derived from the groups, whose changes are named above.
            ("ha.vips", old.declaredGroups == nil && new.declaredGroups == nil && old.vips != new.vips),
            ("ha.announce", old.announce != new.announce),
            ("ha.log", old.logPath != new.logPath),
        ]
        needsRestart += fixed.filter(\.1).map(\.0)
    }

    /// Declared groups matched by name: a group's numbers apply, everything else about the set of elections
    /// (which groups, their order, their VIPs) is set up at start.
    private mutating func compareGroups(_ old: HASettings, _ new: HASettings) {
        guard let before = old.declaredGroups, let after = new.declaredGroups else {
            needsRestart.append("ha.groups")
            return
        }
        let names = Self.match(before, after, name: \.name) { old, new in
            Self.electionKeys(old, new) + (old.vips != new.vips ? ["vips"] : [])
        }
        for changed in names.changed {
            for key in changed.keys {
                let entry = "ha.groups[\(changed.name)].\(key)"
                if key == "vips" { needsRestart.append(entry) } else { applied.append(entry) }
            }
        }
        needsRestart += names.added.map { "ha.groups[\($0)] (added)" }
        needsRestart += names.removed.map { "ha.groups[\($0)] (removed)" }
        let kept = Set(before.map(\.name)).intersection(after.map(\.name))
        if before.map(\.name).filter(kept.contains) != after.map(\.name).filter(kept.contains) {
            needsRestart.append("ha.groups (order)")
        }
    }

    /// The keys of a group's election numbers that differ: those a reload applies.
    private static func electionKeys(_ old: VIPGroupSettings, _ new: VIPGroupSettings) -> [String] {
        let keys: [(String, Bool)] = [
            ("priority", old.priority != new.priority),
            ("preempt", old.preempt != new.preempt),
            ("preempt_delay", old.preemptDelay != new.preemptDelay),
        ]
        return keys.filter(\.1).map(\.0)
    }

    /// The `backends` track's penalty, nil without one.
    public static func backendPenalty(_ ha: HASettings) -> Int? {
        for case .backends(let penalty) in ha.track { return penalty }
        return nil
    }

    private static func gateways(_ ha: HASettings) -> [GatewayTrack] {
        ha.track.compactMap { if case .gateway(let gateway) = $0 { gateway } else { nil } }
    }

    // MARK: Matching

    private static func match<Item: Equatable>(
        _ old: [Item],
        _ new: [Item],
        name: (Item) -> String,
        keys: (Item, Item) -> [String]
    ) -> Names {
        let oldByName = Dictionary(old.map { (name($0), $0) }, uniquingKeysWith: { first, _ in first })
        let newNames = Set(new.map(name))
        var names = Names()
        for item in new {
            guard let before = oldByName[name(item)] else {
                names.added.append(name(item))
                continue
            }
            if before != item { names.changed.append(Changed(name: name(item), keys: keys(before, item))) }
        }
        names.removed = old.map(name).filter { !newNames.contains($0) }
        return names
    }

    private static func changedKeys(_ old: FrontendSettings, _ new: FrontendSettings) -> [String] {
        let keys: [(String, Bool)] = [
            ("bind", old.bind != new.bind),
            ("mode", old.mode != new.mode),
            ("backend", old.backend != new.backend),
            ("routes", old.routes != new.routes),
            ("tls", old.tls != new.tls),
            ("timeouts", old.timeouts != new.timeouts),
            ("limits", old.limits != new.limits),
            ("accept_proxy", old.acceptProxy != new.acceptProxy),
            ("h2c", old.h2c != new.h2c),
            ("h2", old.http2 != new.http2),
        ]
        return keys.filter(\.1).map(\.0)
    }

    private static func changedKeys(_ old: BackendSettings, _ new: BackendSettings) -> [String] {
        let keys: [(String, Bool)] = [
            ("balance", old.balance != new.balance),
            ("persistence", old.persistence != new.persistence),
            ("health", old.health != new.health),
            ("outlier", old.outlier != new.outlier),
            ("max_connections", old.maxConnections != new.maxConnections),
            ("max_queue", old.maxQueue != new.maxQueue),
            ("queue_timeout", old.queueTimeout != new.queueTimeout),
            ("retries", old.retries != new.retries),
            ("timeouts", old.timeouts != new.timeouts),
            ("pool", old.pool != new.pool),
            ("send_proxy", old.sendProxy != new.sendProxy),
            ("servers", old.servers != new.servers),
        ]
        return keys.filter(\.1).map(\.0)
    }

    private static func changedKeys(_ old: ServerSettings, _ new: ServerSettings) -> [String] {
        let keys: [(String, Bool)] = [
            ("address", old.address != new.address),
            ("weight", old.weight != new.weight),
            ("disabled", old.isDisabled != new.isDisabled),
        ]
        return keys.filter(\.1).map(\.0)
    }

    private static func line(_ title: String, _ names: Names) -> String? {
        var parts: [String] = []
        if !names.added.isEmpty { parts.append("added " + names.added.joined(separator: ", ")) }
        if !names.removed.isEmpty { parts.append("removed " + names.removed.joined(separator: ", ")) }
        if !names.changed.isEmpty {
            let changed = names.changed.map { "\($0.name) (\($0.keys.joined(separator: ", ")))" }
            parts.append("changed " + changed.joined(separator: ", "))
        }
        return parts.isEmpty ? nil : "\(title): " + parts.joined(separator: "; ")
    }
}
