import TandemHA

extension HARuntime {
    /// How a planned handover runs.
    public struct HandoverPlan: Sendable, Equatable {
        /// The keep-alive wind-down window before the step-down (zero for a drill).
        public var drain: Duration
        /// How long the node stays stepped down.
        public var hold: Duration
        /// How long to wait for the peer to report ACTIVE before taking the VIPs back.
        public var wait: Duration
        /// The one VIP group to hand over; nil: every group this node is ACTIVE for.
        public var group: String?

        public init(drain: Duration, hold: Duration, wait: Duration, group: String? = nil) {
            self.drain = drain
            self.hold = hold
            self.wait = wait
            self.group = group
        }

        /// The largest value each argument takes: a longer hold is surely a typo (and a deadline centuries away
        /// overflows the clock), a drain over ten minutes or a wait over a minute ties the admin socket up.
        static let limits: [(name: String, limit: Duration, text: String)] = [
            ("drain", .seconds(600), "10m"), ("hold", .seconds(7 * 86_400), "7d"), ("wait", .seconds(60), "60s"),
        ]

        /// Why an admin argument was refused, as the sentence the operator sees.
        public struct ArgumentError: Error, Equatable, CustomStringConvertible {
            public let description: String
            init(_ description: String) { self.description = description }
        }

        /// The plan the admin arguments `drain=MS`, `hold=MS`, `wait=MS` and `group=NAME` describe, starting from
        /// `defaults`; each duration is a whole number of milliseconds within its limit.
        public static func parse(_ arguments: [String], defaults: HandoverPlan) -> Result<HandoverPlan, ArgumentError> {
            var plan = defaults
            for argument in arguments {
                let parts = argument.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0] == "group", !parts[1].isEmpty {
                    plan.group = String(parts[1])
                    continue
                }
                guard parts.count == 2, let milliseconds = Int64(parts[1]), milliseconds >= 0 else {
                    return .failure(
                        ArgumentError(
                            "handover: bad argument \"\(argument)\" (want drain=MS, hold=MS, wait=MS, group=NAME)"
                        )
                    )
                }
                guard let bound = limits.first(where: { $0.name == parts[0] }) else {
                    return .failure(
                        ArgumentError("handover: unknown argument \"\(parts[0])\" (want drain, hold, wait, group)")
                    )
                }
                let value = Duration.milliseconds(milliseconds)
                guard value <= bound.limit else {
                    return .failure(
                        ArgumentError(
                            "handover: \(bound.name) of \(milliseconds) ms is beyond its limit of \(bound.text)"
                        )
                    )
                }
                switch bound.name {
                case "drain": plan.drain = value
                case "hold": plan.hold = value
                default: plan.wait = value
                }
            }
            return .success(plan)
        }
    }

    /// Hands the VIPs of `plan.group` (or of every group this node is ACTIVE for) to the peer: checks that the peer
    /// can take them (``HAStatusReport/handoverRefusal(node:group:)``),
    /// winds keep-alive down for `plan.drain` (`windDown(true)` returns the connections asked to close), steps
    /// down for `plan.hold` with a priority penalty that lets the peer outrank this node, and waits for the
    /// peer's first ACTIVE heartbeat in each of those groups. When the peer has not claimed within `plan.wait` the
    /// step-down is cancelled, so this node claims again rather than leave nobody ACTIVE. The keep-alive
    /// wind-down is the node's: with groups, connections to the VIPs that stay reconnect to this node.
    /// - Returns: the report, or why the handover was refused or failed.
    public func handover(
        plan: HandoverPlan,
        windDown: @Sendable (Bool) -> Int
    ) async -> Result<HandoverReport, HandoverError> {
        let node = heartbeat.status().nodeName
        let before = statusReport()
        if let refusal = before.handoverRefusal(node: node, group: plan.group) {
            return .failure(HandoverError(refusal))
        }
        let groups = before.declaresGroups == true ? before.handoverGroups(plan.group) : []
        let targets: [String?] = groups.isEmpty ? [nil] : groups
        let clock = ContinuousClock()
        var closed = 0
        let drainStart = clock.now
        if plan.drain > .zero {
            closed = windDown(true)
            try? await Task.sleep(for: plan.drain)
            if let refusal = statusReport().handoverRefusal(node: node, group: plan.group) {
                _ = windDown(false)
                return .failure(HandoverError("during the drain window: \(refusal)"))
            }
        }
        let drained = drainStart.duration(to: clock.now)
        let stepDown = clock.now
        // An explicit move beats an older hold: a peer still held by an earlier drill takes the VIPs back.
        for target in targets {
            heartbeat.deliver(.command(.announceHandover(duration: plan.wait), group: target))
            heartbeat.deliver(.command(.stepDown(penalty: Int(UInt16.max), duration: plan.hold), group: target))
        }
        var handover: Duration?
        let deadline = stepDown.advanced(by: plan.wait)
        while clock.now < deadline {
            if let taken = Self.peerActiveSince(heartbeat.status(), groups: groups) {
                handover = stepDown.duration(to: clock.now) - taken
                break
            }
            try? await Task.sleep(for: .milliseconds(2))
        }
        _ = windDown(false)
        if handover == nil {
            for target in targets { heartbeat.deliver(.command(.resume, group: target)) }
        }
        let after = heartbeat.status()
        let peerName = after.peer?.name ?? "?"
        let which = groups.isEmpty ? "" : " for \(groups.joined(separator: ", "))"
        let summary =
            if let handover {
                "\(peerName) reported ACTIVE\(which) \(HAStatusReport.milliseconds(handover)) ms after the step-down; "
                    + "\(node) stays stepped down for \(plan.hold)"
            } else {
                "\(peerName) did not report ACTIVE\(which) within \(plan.wait): the step-down was cancelled and \(node) "
                    + "claims again"
            }
        let report = HandoverReport(
            node: node,
            peer: peerName,
            drainMs: HAStatusReport.milliseconds(drained),
            connectionsClosed: closed,
            handoverMs: handover.map(HAStatusReport.milliseconds),
            holdMs: HAStatusReport.milliseconds(plan.hold),
            state: after.state.description,
            peerState: after.peer?.state.description ?? "unknown",
            summary: summary,
            groups: groups.isEmpty ? nil : groups
        )
        return handover == nil ? .failure(HandoverError(summary, report: report)) : .success(report)
    }

    /// How long the peer has been ACTIVE in every one of `groups` (the whole node when empty), once it is; nil
    /// while it is not yet.
    static func peerActiveSince(_ status: HeartbeatStatus, groups: [String]) -> Duration? {
        guard let peer = status.peer, peer.alive else { return nil }
        guard !groups.isEmpty else { return peer.state == .active ? peer.stateAge : nil }
        var youngest: Duration?
        for name in groups {
            guard let group = status.groups.first(where: { $0.name == name }), group.peerState == .active,
                let age = group.peerStateAge
            else { return nil }
            youngest = min(youngest ?? age, age)
        }
        return youngest
    }
}
