extension HAEvent {
    /// A state change and why.
    public static func transition(
        from: NodeState,
        to: NodeState,
        reason: String,
        node: String,
        at time: EventTimestamp = .now()
    ) -> HAEvent {
        var event = HAEvent(time: time, node: node, event: .transition)
        event.from = from.description
        event.to = to.description
        event.reason = reason
        return event
    }

    /// The service started (`state` is the machine's first state) or stopped.
    public static func lifecycle(
        _ kind: Kind,
        state: NodeState,
        reason: String,
        node: String,
        at time: EventTimestamp = .now()
    ) -> HAEvent {
        var event = HAEvent(time: time, node: node, event: kind)
        event.state = state.description
        event.reason = reason
        return event
    }

    /// The peer came alive (`silence` nil) or was declared dead after `silence` without a valid heartbeat.
    public static func peer(
        _ name: String,
        alive: Bool,
        silence: Duration? = nil,
        node: String,
        at time: EventTimestamp = .now()
    ) -> HAEvent {
        var event = HAEvent(time: time, node: node, event: alive ? .peerAlive : .peerDead)
        event.peer = name
        event.silentMs = silence.map(milliseconds)
        return event
    }

    /// A rejected datagram; `suppressed` rejections before it were left out of the log.
    public static func rejected(
        _ reason: HeartbeatRejection,
        suppressed: Int,
        node: String,
        at time: EventTimestamp = .now()
    ) -> HAEvent {
        var event = HAEvent(time: time, node: node, event: .rejected)
        event.reason = reason.rawValue
        event.suppressed = suppressed
        return event
    }

    /// A notice of `kind` (untrusted peer, pause, VIP fault, reconciliation, key reload) with what applies.
    public static func notice(
        _ kind: Kind,
        reason: String? = nil,
        peer: String? = nil,
        ok: Bool? = nil,
        error: String? = nil,
        silence: Duration? = nil,
        node: String,
        at time: EventTimestamp = .now()
    ) -> HAEvent {
        var event = HAEvent(time: time, node: node, event: kind)
        event.reason = reason
        event.peer = peer
        event.ok = ok
        event.error = error
        event.silentMs = silence.map(milliseconds)
        return event
    }

    /// The result of one VIP operation (`kind` is `vipClaim`, `vipRelease` or `vipAnnounce`).
    public static func vip(
        _ kind: Kind,
        vip: String,
        interface: String,
        total: Duration,
        steps: [Step],
        error: String? = nil,
        node: String,
        at time: EventTimestamp = .now()
    ) -> HAEvent {
        var event = HAEvent(time: time, node: node, event: kind)
        event.vip = vip
        event.interface = interface
        event.ok = error == nil
        event.totalMs = milliseconds(total)
        event.steps = steps
        event.error = error
        return event
    }

    /// A duration in milliseconds, rounded to the microsecond (three decimals).
    public static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        let microseconds = Double(seconds) * 1_000_000 + (Double(attoseconds) / 1e12).rounded()
        return microseconds / 1000
    }
}
