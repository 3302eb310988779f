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

        public init(drain: Duration, hold: Duration, wait: Duration) {
            self.drain = drain
            self.hold = hold
            self.wait = wait
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

        /// The plan the admin arguments `drain=MS`, `hold=MS` and `wait=MS` describe, starting from `defaults`;
        /// each is a whole number of milliseconds within its limit.
        public static func parse(_ arguments: [String], defaults: HandoverPlan) -> Result<HandoverPlan, ArgumentError> {
            var plan = defaults
            for argument in arguments {
                let parts = argument.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let milliseconds = Int64(parts[1]), milliseconds >= 0 else {
                    return .failure(
                        ArgumentError("handover: bad argument \"\(argument)\" (want drain=MS, hold=MS, wait=MS)")
                    )
                }
                guard let bound = limits.first(where: { $0.name == parts[0] }) else {
                    return .failure(
                        ArgumentError("handover: unknown argument \"\(parts[0])\" (want drain, hold, wait)")
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

    /// Hands the VIPs to the peer: checks that the peer can take them (``HAStatusReport/handoverRefusal(node:)``),
    /// winds keep-alive down for `plan.drain` (`windDown(true)` returns the connections asked to close), steps
    /// down for `plan.hold` with a priority penalty that lets the peer outrank this node, and waits for the
    /// peer's first ACTIVE heartbeat. When the peer has not claimed within `plan.wait` the step-down is
    /// cancelled, so this node claims again rather than leave nobody ACTIVE.
    /// - Returns: the report, or why the handover was refused or failed.
    public func handover(
        plan: HandoverPlan,
        windDown: @Sendable (Bool) -> Int
    ) async -> Result<HandoverReport, HandoverError> {
        let node = heartbeat.status().nodeName
        if let refusal = statusReport().handoverRefusal(node: node) { return .failure(HandoverError(refusal)) }
        let clock = ContinuousClock()
        var closed = 0
        let drainStart = clock.now
        if plan.drain > .zero {
            closed = windDown(true)
            try? await Task.sleep(for: plan.drain)
            if let refusal = statusReport().handoverRefusal(node: node) {
                _ = windDown(false)
                return .failure(HandoverError("during the drain window: \(refusal)"))
            }
        }
        let drained = drainStart.duration(to: clock.now)
        let stepDown = clock.now
        // An explicit move beats an older hold: a peer still held by an earlier drill takes the VIPs back.
        heartbeat.deliver(.command(.announceHandover(duration: plan.wait)))
        heartbeat.deliver(.command(.stepDown(penalty: Int(UInt16.max), duration: plan.hold)))
        var handover: Duration?
        let deadline = stepDown.advanced(by: plan.wait)
        while clock.now < deadline {
            let status = heartbeat.status()
            if let peer = status.peer, peer.alive, peer.state == .active {
                handover = stepDown.duration(to: clock.now) - peer.stateAge
                break
            }
            try? await Task.sleep(for: .milliseconds(2))
        }
        _ = windDown(false)
        if handover == nil {
            heartbeat.deliver(.command(.resume))
        }
        let after = heartbeat.status()
        let peerName = after.peer?.name ?? "?"
        let summary =
            if let handover {
                "\(peerName) reported ACTIVE \(HAStatusReport.milliseconds(handover)) ms after the step-down; "
                    + "\(node) stays stepped down for \(plan.hold)"
            } else {
                "\(peerName) did not report ACTIVE within \(plan.wait): the step-down was cancelled and \(node) "
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
            summary: summary
        )
        return handover == nil ? .failure(HandoverError(summary, report: report)) : .success(report)
    }
}
