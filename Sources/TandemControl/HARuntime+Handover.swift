import TandemHA

extension HARuntime {
    /// How a planned handover runs.
    public struct HandoverPlan: Sendable {
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
