import Synchronization

/// What ``HeartbeatService`` reports to the heartbeat log: it turns the service's observations (sent, accepted,
/// rejected, ticks, transitions) into ``HAEvent``s — peer alive/dead on liveness changes, rejections through
/// ``RateLimitedLog`` (at most 10 lines a minute, the rest counted in `suppressed`), and a summary per window.
/// Thread-safe; every call is a lock and, at most, one line.
final class HeartbeatEventRecorder: Sendable {
    typealias Window = HeartbeatWindow<ContinuousClock>

    private struct State: Sendable {
        var window: Window
        var rejectionLog = RateLimitedLog<ContinuousClock>(limit: 10, interval: .seconds(60))
        var unloggedRejections = 0
    }

    let log: HAEventLog
    private let state: Mutex<State>

    init(log: HAEventLog, interval: Duration, deadWindow: Duration, start: ContinuousClock.Instant) {
        self.log = log
        self.state = Mutex(State(window: Window(interval: interval, deadWindow: deadWindow, start: start)))
    }

    /// The service started or stopped. A start opens a fresh window: what happened between construction and
    /// `run()` (binding, waiting for the helper) is not heartbeat traffic.
    func lifecycle(_ kind: HAEvent.Kind, state: NodeState, reason: String) {
        if kind == .started { _ = self.state.withLock { $0.window.summarize(at: .now) } }
        log.record(.lifecycle(kind, state: state, reason: reason, node: log.node))
    }

    /// A state change of `group` (nil for the one group of a node without `ha.groups`).
    func transition(_ transition: NodeStateMachine<ContinuousClock>.Transition, group: String? = nil) {
        var event = HAEvent.transition(
            from: transition.from,
            to: transition.to,
            reason: transition.reason,
            node: log.node
        )
        event.group = group
        log.record(event)
    }

    /// Writes a notice line (see ``HAEvent/notice(_:reason:peer:ok:error:silence:node:at:)``).
    func notice(
        _ kind: HAEvent.Kind,
        reason: String? = nil,
        peer: String? = nil,
        ok: Bool? = nil,
        error: String? = nil,
        silence: Duration? = nil,
        group: String? = nil
    ) {
        var event = HAEvent.notice(kind, reason: reason, peer: peer, ok: ok, error: error, silence: silence, node: log.node)
        event.group = group
        log.record(event)
    }

    func sentHeartbeat() {
        state.withLock { $0.window.sentHeartbeat() }
    }

    func accepted(from name: String, at arrival: ContinuousClock.Instant, roundTrip: Duration?) {
        let change = state.withLock { $0.window.received(from: name, at: arrival, roundTrip: roundTrip) }
        record(change)
    }

    /// A rejected datagram (not a duplicate): always counted, logged within the rate limit.
    func rejected(_ reason: HeartbeatRejection, at now: ContinuousClock.Instant) {
        let suppressed = state.withLock { state -> Int? in
            state.window.rejectedDatagram()
            let lines = state.rejectionLog.lines(for: reason.rawValue, at: now)
            guard lines.last == reason.rawValue else {
                state.unloggedRejections += 1
                return nil
            }
            defer { state.unloggedRejections = 0 }
            return state.unloggedRejections
        }
        if let suppressed {
            log.record(.rejected(reason, suppressed: suppressed, node: log.node))
        }
    }

    /// Checks the peer's liveness (called on every tick of the service).
    func tick(at now: ContinuousClock.Instant) {
        record(state.withLock { $0.window.tick(at: now) })
    }

    /// Closes the window and writes its summary with the node's and the peer's current states.
    func summarize(at now: ContinuousClock.Instant, state nodeState: NodeState, peerState: NodeState?) {
        let summary = state.withLock { $0.window.summarize(at: now) }
        log.record(Self.event(summary, state: nodeState, peerState: peerState, node: log.node))
    }

    /// The `summary` line for a closed window.
    static func event<C: Clock>(
        _ summary: HeartbeatWindow<C>.Summary,
        state: NodeState,
        peerState: NodeState?,
        node: String,
        at time: EventTimestamp = .now()
    ) -> HAEvent {
        var event = HAEvent(time: time, node: node, event: .summary)
        event.windowMs = HAEvent.milliseconds(summary.window)
        event.sent = summary.sent
        event.received = summary.received
        event.expected = summary.expected
        event.lost = summary.lost
        event.lossPercent = summary.lossPercent
        event.rttP50Ms = summary.rttP50.map(HAEvent.milliseconds)
        event.rttP99Ms = summary.rttP99.map(HAEvent.milliseconds)
        event.jitterMs = summary.jitter.map(HAEvent.milliseconds)
        event.rejected = summary.rejected
        event.state = state.description
        event.peer = summary.peer
        event.peerState = summary.peer == nil ? nil : summary.peerAlive ? peerState?.description : "dead"
        return event
    }

    private func record(_ change: Window.PeerChange?) {
        switch change {
        case .alive(let name): log.record(.peer(name, alive: true, node: log.node))
        case .dead(let name, let silence): log.record(.peer(name, alive: false, silence: silence, node: log.node))
        case nil: break
        }
    }
}
