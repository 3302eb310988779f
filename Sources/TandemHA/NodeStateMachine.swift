/// The failover logic of one node of the pair: a pure value type fed events (heartbeats, ticks, tracks,
/// commands) that answers with actions (send, claim, release, re-announce, log). It never reads a clock:
/// every instant arrives in an event, so tests drive it with a fake clock and the service stays thin.
///
/// States: INITIAL (listening) → STANDBY ↔ ACTIVE, and FAULT from anywhere while a track fails.
///
/// Rules, and why:
/// - **Listen first.** At start, and after any gap longer than the dead window between two of our own events
///   (a frozen VM or SIGSTOP), the node stays INITIAL for `deadAfter` intervals before it may claim: it must
///   learn whether the peer is ACTIVE before it acts on stale knowledge. An ACTIVE node that detects such a
///   gap releases the VIPs at once: its peer has certainly declared it dead and claimed them.
/// - **Dead peer.** No valid heartbeat for `interval × deadAfter` → the peer is dead; a STANDBY claims.
/// - **Ranking.** Higher effective priority wins; equal priorities: the lexicographically lower node name wins
///   (both nodes compute the same order from the priorities in the heartbeats). Effective priority = configured
///   − `backendPenalty` while every backend is down − an administrative step-down penalty; 0 in FAULT.
/// - **Who claims when nobody is ACTIVE.** A STANDBY claims when the peer is dead, in FAULT, or STANDBY/INITIAL
///   and outranked by us. It also claims when the peer has just gone from ACTIVE to INITIAL (it restarted or
///   resumed from a freeze and holds nothing), or has stayed INITIAL longer than a listen period.
/// - **Preemption handshake (release first, then claim).** The ACTIVE yields when the peer is alive, STANDBY,
///   outranks it, and has been STANDBY continuously for `preemptDelay` — if `preempt` is true, or if our own
///   priority is degraded by a penalty (a node whose backends are all down never keeps the traffic). It releases
///   and sends STANDBY at once; the peer claims when it sees that heartbeat. So the pair passes through "nobody
///   ACTIVE" for one packet's flight, never through "both ACTIVE".
/// - **Both ACTIVE** (a healed partition): on the first heartbeat from an ACTIVE peer, the outranked node
///   releases. The winner re-announces the VIPs so the network points at it — on an ACTIVE heartbeat from the
///   peer, and also on the first heartbeat of a peer it could not hear for a dead window (the loser may have
///   stepped down before its ACTIVE heartbeat went out); at most once per dead window.
/// - **FAULT.** Any failing track releases the VIPs and advertises FAULT with priority 0; the peer then claims.
///   When every track recovers the node becomes STANDBY (INITIAL if still in its listen period).
/// - **Untrusted peer** (a mismatched key, another protocol version): its packets are never taken for its word,
///   but while no authenticated peer is alive, what they claim may suppress our claim (it claims ACTIVE, or
///   outranks us and is not in FAULT) or withdraw it (it claims ACTIVE and outranks us), never cause one. So
///   two mis-keyed nodes end with one holder, the one the ranking picks, and a forger can at most keep this
///   node from holding the VIPs — what flooding the heartbeat link would do anyway. Preemption needs trust and
///   does not happen between them.
public struct NodeStateMachine<C: Clock>: Sendable where C.Duration == Duration {
    private struct StepDown: Sendable {
        var penalty: Int
        var duration: Duration
        /// Set from the first instant seen after the command.
        var until: C.Instant?
    }

    /// The configuration in force: the one it was made with, as a config reload's `reconfigure` command changed it.
    public private(set) var configuration: Configuration
    /// The current state.
    public private(set) var state: NodeState = .initial
    /// Why the node is in its current state, for `tandem status`.
    public private(set) var reason = "starting: listening for the peer"
    /// The peer as last heard, if ever.
    public private(set) var peer: Peer?
    /// Counters for `tandem status`.
    public private(set) var counters = Counters()
    /// Tracks currently failing.
    public private(set) var failingTracks: Set<String> = []
    /// Whether at least one local backend is healthy (as last reported).
    public private(set) var backendsHealthy = true
    /// The newest peer heard only through untrusted packets.
    public private(set) var untrusted: UntrustedPeer?

    private var listenUntil: C.Instant?
    private var lastEvent: C.Instant?
    private var lastSent: C.Instant?
    private var stepDown: StepDown?
    private var lastReannounce: C.Instant?
    /// Until when heartbeats carry `handingOver`.
    private var announcingHandoverUntil: C.Instant?

    /// - Precondition: a valid node name, `deadAfter ≥ 1` and a positive interval (TandemConfig validates).
    public init(configuration: Configuration) {
        precondition(Heartbeat.isValidNodeName(configuration.nodeName), "node name must be 1...63 UTF-8 bytes")
        precondition(configuration.deadAfter >= 1 && configuration.interval > .zero, "invalid HA timing")
        self.configuration = configuration
    }

    /// The priority this node advertises now.
    public var effectivePriority: Int {
        if state == .fault { return 0 }
        var priority = configuration.priority
        if !backendsHealthy { priority -= configuration.backendPenalty }
        if let stepDown { priority -= stepDown.penalty }
        return min(max(priority, 0), Int(UInt16.max))
    }

    /// What the next heartbeat carries.
    public var advertisement: Advertisement {
        var flags: HeartbeatFlags = []
        if !backendsHealthy { flags.insert(.backendsDown) }
        if stepDown != nil { flags.insert(.steppedDown) }
        if let until = announcingHandoverUntil, let lastEvent, lastEvent < until { flags.insert(.handingOver) }
        return Advertisement(state: state, priority: UInt16(effectivePriority), flags: flags)
    }

    /// Whether an administrative step-down is in effect.
    public var isSteppedDown: Bool { stepDown != nil }

    /// When the step-down in effect ends (nil: none, or it has not seen its first tick yet).
    public var stepDownEnds: C.Instant? { stepDown?.until }

    /// The next instant at which a tick may change something: the end of the listen period, the peer's dead line,
    /// the end of a peer's INITIAL grace, a preemption delay, or a step-down's end. The service ticks exactly then
    /// (besides every `interval / 2`), so failover does not wait for the next periodic tick. Always after the
    /// newest event seen, so it cannot cause a busy loop.
    public var nextDeadline: C.Instant? {
        var candidates: [C.Instant] = []
        if let listenUntil { candidates.append(listenUntil) }
        if let peer {
            candidates.append(peer.lastHeard.advanced(by: configuration.deadWindow))
            if peer.state == .initial {
                candidates.append(peer.stateSince.advanced(by: configuration.deadWindow + configuration.interval))
            }
            if state == .active, let standbySince = peer.standbySince {
                candidates.append(standbySince.advanced(by: configuration.preemptDelay))
            }
        }
        if let until = stepDown?.until { candidates.append(until) }
        if let untrusted { candidates.append(untrusted.lastHeard.advanced(by: configuration.deadWindow)) }
        guard let lastEvent else { return candidates.min() }
        return candidates.filter { lastEvent < $0 }.min()
    }

    /// Feeds one event and returns what the service must do, in order.
    public mutating func receive(_ event: Event) -> [Action] {
        var actions: [Action] = []
        switch event {
        case .tick(let now):
            observe(now, &actions)
            decide(at: now, &actions)
            if let lastSent, lastSent.duration(to: now) < configuration.interval - configuration.interval / 10 {
                break
            }
            send(at: now, &actions)
        case .heartbeat(let heartbeat):
            observe(heartbeat.arrival, &actions)
            record(heartbeat, &actions)
            decide(at: heartbeat.arrival, &actions)
        case .untrusted(let claim):
            observe(claim.arrival, &actions)
            recordUntrusted(claim, &actions)
            decide(at: claim.arrival, &actions)
        case .track(let name, let ok):
            if ok { failingTracks.remove(name) } else { failingTracks.insert(name) }
            decide(at: lastEvent, &actions)
        case .backendsHealthy(let healthy):
            let before = advertisement
            backendsHealthy = healthy
            decide(at: lastEvent, &actions)
            if advertisement != before && !actions.contains(where: \.isSend) { send(at: lastEvent, &actions) }
        case .command(.stepDown(let penalty, let duration)):
            stepDown = StepDown(penalty: penalty, duration: duration, until: lastEvent?.advanced(by: duration))
            decide(at: lastEvent, &actions)
            if !actions.contains(where: \.isSend) { send(at: lastEvent, &actions) }
        case .command(.resume):
            stepDown = nil
            decide(at: lastEvent, &actions)
            if !actions.contains(where: \.isSend) { send(at: lastEvent, &actions) }
        case .command(.reconfigure(let priority, let preempt, let preemptDelay, let backendPenalty)):
            let before = advertisement
            configuration.priority = priority
            configuration.preempt = preempt
            configuration.preemptDelay = preemptDelay
            configuration.backendPenalty = backendPenalty
            decide(at: lastEvent, &actions)
            if advertisement != before && !actions.contains(where: \.isSend) { send(at: lastEvent, &actions) }
        case .command(.announceHandover(let duration)):
            announcingHandoverUntil = lastEvent?.advanced(by: duration)
            send(at: lastEvent, &actions)
        }
        return actions
    }

    // MARK: - Time

    /// Starts the listen period on the first event; detects a gap (freeze) between two of our own events.
    private mutating func observe(_ now: C.Instant, _ actions: inout [Action]) {
        defer {
            if let last = lastEvent { lastEvent = max(last, now) } else { lastEvent = now }
        }
        let deadWindow = configuration.deadWindow
        guard let last = lastEvent else {
            listenUntil = now.advanced(by: deadWindow)
            return
        }
        guard last.duration(to: now) > deadWindow else { return }
        counters.freezes += 1
        listenUntil = now.advanced(by: deadWindow)
        let why = "resumed after \(last.duration(to: now)) without running (frozen?): listening again before any claim"
        switch state {
        case .active, .standby:
            transition(to: .initial, why, at: now, &actions)
        case .initial:
            reason = why
        case .fault:
            break  // stays FAULT until the tracks recover; the listen period then applies
        }
    }

    private func isLive(_ peer: Peer, at now: C.Instant) -> Bool {
        peer.lastHeard.duration(to: now) < configuration.deadWindow
    }

    private var isListening: Bool {
        guard let listenUntil, let lastEvent else { return true }
        return lastEvent < listenUntil
    }

    // MARK: - Peer

    private mutating func record(_ heartbeat: PeerHeartbeat, _ actions: inout [Action]) {
        let now = heartbeat.arrival
        counters.heartbeats += 1
        if untrusted?.claim.name == heartbeat.name {
            untrusted = nil
            if state == .standby { reason = "heartbeats from \(heartbeat.name) authenticate again" }
        }
        if let known = peer, known.name != heartbeat.name, isLive(known, at: now) {
            counters.ignoredThirdNode += 1
            return
        }
        let returning = peer.map { !isLive($0, at: now) } ?? true
        if var known = peer, known.name == heartbeat.name, isLive(known, at: now) {
            if known.epoch != heartbeat.epoch || known.state != heartbeat.state {
                known.previousState = known.state
                known.stateSince = now
                known.standbySince = heartbeat.state == .standby ? now : nil
            }
            known.epoch = heartbeat.epoch
            known.state = heartbeat.state
            known.priority = heartbeat.priority
            known.flags = heartbeat.flags
            known.lastHeard = max(known.lastHeard, now)
            known.farewell = heartbeat.isFarewell
            // Authenticated, so only the peer can ask: an operator's handover beats a hold left by an older move.
            if heartbeat.flags.contains(.handingOver) { stepDown = nil }
            peer = known
        } else {
            peer = Peer(
                name: heartbeat.name,
                epoch: heartbeat.epoch,
                state: heartbeat.state,
                priority: heartbeat.priority,
                flags: heartbeat.flags,
                lastHeard: now,
                stateSince: now,
                previousState: nil,
                standbySince: heartbeat.state == .standby ? now : nil,
                farewell: heartbeat.isFarewell
            )
        }
        guard state == .active, let peer else { return }
        guard heartbeat.state == .active else {
            // A peer we could not hear may have claimed the VIPs meanwhile (a partition): whatever it says now,
            // make the network point at us again.
            if returning { reannounce(at: now, &actions) }
            return
        }
        if outranks(peer) {
            reannounce(at: now, &actions)
        } else {
            transition(
                to: .standby,
                "both ACTIVE (healed partition): \(peer.name) outranks us (\(ranking(peer))); released",
                at: now,
                &actions
            )
        }
    }

    /// Keeps what an untrusted packet claims while no authenticated peer is alive, and warns when such a peer
    /// appears or its problem changes.
    private mutating func recordUntrusted(_ claim: UntrustedHeartbeat, _ actions: inout [Action]) {
        let now = claim.arrival
        if let peer, isLive(peer, at: now) { return }
        let wasLive = untrusted.map { $0.lastHeard.duration(to: now) < configuration.deadWindow } ?? false
        let problemChanged = untrusted?.claim.problem != claim.problem
        untrusted = UntrustedPeer(claim: claim, lastHeard: max(untrusted?.lastHeard ?? now, now))
        if !wasLive || problemChanged { actions.append(.warnUntrusted(claim.problem)) }
    }

    /// The untrusted peer that counts now: heard within the dead window while no authenticated peer is.
    private func liveUntrusted(at now: C.Instant) -> UntrustedPeer? {
        guard let untrusted, untrusted.lastHeard.duration(to: now) < configuration.deadWindow else { return nil }
        if let peer, isLive(peer, at: now) { return nil }
        return untrusted
    }

    private func untrustedOutranksUs(_ untrusted: UntrustedPeer) -> Bool {
        let ours = effectivePriority
        let theirs = Int(untrusted.claim.priority)
        return theirs > ours || (theirs == ours && untrusted.claim.name < configuration.nodeName)
    }

    /// Whether what the untrusted peer claims keeps us from claiming: it holds the VIPs, or would take them.
    private func untrustedSuppressesClaim(_ untrusted: UntrustedPeer) -> Bool {
        untrusted.claim.state == .active || (untrusted.claim.state != .fault && untrustedOutranksUs(untrusted))
    }

    private func suppression(_ untrusted: UntrustedPeer) -> String {
        let claim = untrusted.claim
        return "\(claim.problem); it claims \(claim.state) with priority \(claim.priority) "
            + "(ours \(effectivePriority)), so this node does not claim"
    }

    /// Re-announces at most once per dead window: one episode (a heal) yields one announcement.
    private mutating func reannounce(at now: C.Instant, _ actions: inout [Action]) {
        if let last = lastReannounce, last.duration(to: now) < configuration.deadWindow { return }
        lastReannounce = now
        actions.append(.reannounceVIPs)
    }

    private func outranks(_ peer: Peer) -> Bool {
        let ours = effectivePriority
        let theirs = Int(peer.priority)
        return ours > theirs || (ours == theirs && configuration.nodeName < peer.name)
    }

    private func ranking(_ peer: Peer) -> String {
        "priority \(effectivePriority) vs \(peer.priority), names \(configuration.nodeName) vs \(peer.name)"
    }

    // MARK: - Decisions

    private mutating func decide(at now: C.Instant?, _ actions: inout [Action]) {
        if let failing = failingTracks.sorted().first {
            if state != .fault {
                transition(
                    to: .fault,
                    "track \(failing) is failing: released, advertising priority 0",
                    at: now,
                    &actions
                )
            }
            return
        }
        if state == .fault {
            let next: NodeState = isListening ? .initial : .standby
            transition(to: next, "every track recovered", at: now, &actions)
        }
        guard let now else { return }
        if var current = stepDown {
            if let until = current.until {
                if until <= now { stepDown = nil }
            } else {
                current.until = now.advanced(by: current.duration)
                stepDown = current
            }
        }
        let livePeer = peer.flatMap { isLive($0, at: now) ? $0 : nil }
        switch state {
        case .initial:
            guard !isListening else { return }
            decideAfterListening(livePeer, at: now, &actions)
        case .standby:
            decideInStandby(livePeer, at: now, &actions)
        case .active:
            decideInActive(livePeer, at: now, &actions)
        case .fault:
            preconditionFailure("FAULT is handled above")
        }
    }

    private mutating func decideAfterListening(_ livePeer: Peer?, at now: C.Instant, _ actions: inout [Action]) {
        guard let peer = livePeer else {
            if let untrusted = liveUntrusted(at: now) {
                if untrustedSuppressesClaim(untrusted) {
                    transition(to: .standby, suppression(untrusted), at: now, &actions)
                } else {
                    let why = "\(untrusted.claim.problem); we outrank what it claims: claimed"
                    transition(to: .active, why, at: now, &actions)
                }
                return
            }
            transition(to: .active, "no heartbeat from the peer for \(configuration.deadWindow)", at: now, &actions)
            return
        }
        switch peer.state {
        case .active:
            transition(to: .standby, "\(peer.name) is ACTIVE", at: now, &actions)
        case .fault:
            transition(to: .active, "\(peer.name) is in FAULT", at: now, &actions)
        case .standby, .initial:
            if outranks(peer) {
                transition(
                    to: .active,
                    "nobody ACTIVE and we outrank \(peer.name) (\(ranking(peer)))",
                    at: now,
                    &actions
                )
            } else {
                transition(to: .standby, "\(peer.name) outranks us (\(ranking(peer))): it claims", at: now, &actions)
            }
        }
    }

    private mutating func decideInStandby(_ livePeer: Peer?, at now: C.Instant, _ actions: inout [Action]) {
        guard let peer = livePeer else {
            guard !isListening else { return }
            if let untrusted = liveUntrusted(at: now) {
                if untrustedSuppressesClaim(untrusted) {
                    reason = suppression(untrusted)
                } else {
                    let why = "\(untrusted.claim.problem); we outrank what it claims: claimed"
                    transition(to: .active, why, at: now, &actions)
                }
                return
            }
            let why = "peer dead: no valid heartbeat for \(configuration.deadWindow)"
            transition(to: .active, why, at: now, &actions)
            return
        }
        switch peer.state {
        case .active:
            return
        case .fault:
            let why =
                peer.farewell
                ? "\(peer.name)'s daemon is gone: its VIP helper sent the farewell"
                : "\(peer.name) is in FAULT"
            transition(to: .active, why, at: now, &actions)
        case .standby:
            if outranks(peer) {
                let why = "\(peer.name) is STANDBY and we outrank it (\(ranking(peer)))"
                transition(to: .active, why, at: now, &actions)
            }
        case .initial:
            if outranks(peer) {
                let why = "\(peer.name) is starting and we outrank it (\(ranking(peer)))"
                transition(to: .active, why, at: now, &actions)
            } else if peer.previousState == .active {
                let why = "\(peer.name) went from ACTIVE to INITIAL (restart or freeze): it holds nothing"
                transition(to: .active, why, at: now, &actions)
            } else if peer.stateSince.duration(to: now) >= configuration.deadWindow + configuration.interval {
                let why = "\(peer.name) stayed INITIAL longer than its listen period"
                transition(to: .active, why, at: now, &actions)
            }
        }
    }

    private mutating func decideInActive(_ livePeer: Peer?, at now: C.Instant, _ actions: inout [Action]) {
        if livePeer == nil, let untrusted = liveUntrusted(at: now), untrusted.claim.state == .active,
            untrustedOutranksUs(untrusted)
        {
            let why = "\(untrusted.claim.problem); it claims ACTIVE and outranks us: released"
            transition(to: .standby, why, at: now, &actions)
            return
        }
        guard let peer = livePeer, peer.state == .standby, let standbySince = peer.standbySince, !outranks(peer) else {
            return
        }
        if stepDown != nil {
            transition(to: .standby, "administrative step-down: \(peer.name) takes over", at: now, &actions)
            return
        }
        let degraded = effectivePriority < configuration.priority
        guard configuration.preempt || degraded else { return }
        let stable = standbySince.duration(to: now)
        guard stable >= configuration.preemptDelay else { return }
        let why =
            degraded
            ? "our priority is degraded and \(peer.name) outranks us (\(ranking(peer))): handing over"
            : "preempted: \(peer.name) outranks us (\(ranking(peer))) and has been STANDBY for \(stable)"
        transition(to: .standby, why, at: now, &actions)
    }

    // MARK: - Output

    private mutating func transition(
        to next: NodeState,
        _ why: String,
        at now: C.Instant?,
        _ actions: inout [Action]
    ) {
        let previous = state
        if previous == .active && next != .active {
            actions.append(.releaseVIPs)
            counters.releases += 1
        }
        state = next
        reason = why
        counters.transitions += 1
        if next == .active {
            actions.append(.claimVIPs)
            counters.claims += 1
        }
        actions.append(.log(Transition(from: previous, to: next, reason: why)))
        send(at: now, &actions)
    }

    private mutating func send(at now: C.Instant?, _ actions: inout [Action]) {
        actions.append(.send(advertisement))
        if let now { lastSent = now }
    }
}

extension NodeStateMachine.Action {
    var isSend: Bool {
        if case .send = self { return true }
        return false
    }
}
