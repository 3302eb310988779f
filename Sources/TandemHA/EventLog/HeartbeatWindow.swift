/// The heartbeat statistics of one summary window and the peer's liveness as the service sees it. Pure: every
/// instant comes from the caller, so tests drive it with a fake clock.
///
/// Loss is counted from arrival gaps, not from wall-clock windows, so window edges never invent a lost
/// heartbeat: each accepted heartbeat adds its gap since the previous one to the expected time (the first after
/// silence adds one interval), and `expected` = that time ÷ interval, rounded. A heartbeat missing at the end of
/// a window shows up in the next one, once the following heartbeat arrives; silence until the peer is declared
/// dead is reported by `peer_dead`, not as loss.
/// Jitter is the mean absolute difference between successive inter-arrival times (the first pair after silence
/// starts afresh).
struct HeartbeatWindow<C: Clock>: Sendable where C.Duration == Duration {
    let interval: Duration
    let deadWindow: Duration
    private(set) var peer: String?
    private(set) var peerAlive = false
    private var lastArrival: C.Instant?
    private var previousGap: Duration?
    private var windowStart: C.Instant
    private var sent = 0
    private var received = 0
    private var rejected = 0
    private var expectedTime = Duration.zero
    private var jitterTotal = Duration.zero
    private var jitterCount = 0
    private var roundTrips = RoundTripSamples(capacity: 4096)

    init(interval: Duration, deadWindow: Duration, start: C.Instant) {
        precondition(interval > .zero, "the heartbeat interval must be positive")
        self.interval = interval
        self.deadWindow = deadWindow
        self.windowStart = start
    }

    /// We sent a heartbeat (one per interval, whatever the number of peer addresses).
    mutating func sentHeartbeat() {
        sent += 1
    }

    /// A datagram was rejected (duplicates over a second path are not rejections worth counting).
    mutating func rejectedDatagram() {
        rejected += 1
    }

    /// An accepted heartbeat from `name` arrived; `roundTrip` when it echoed one of ours. Returns `.alive` when
    /// the peer was not alive before. A heartbeat from a third node while the known peer is alive is ignored,
    /// as the state machine ignores it.
    mutating func received(from name: String, at arrival: C.Instant, roundTrip: Duration?) -> PeerChange? {
        if peerAlive, let peer, peer != name { return nil }
        received += 1
        if let roundTrip { roundTrips.add(roundTrip) }
        defer { lastArrival = arrival }
        guard peerAlive, let lastArrival, peer == name else {
            peer = name
            peerAlive = true
            previousGap = nil
            expectedTime += interval
            return .alive(name)
        }
        let gap = max(.zero, lastArrival.duration(to: arrival))
        expectedTime += gap
        if let previousGap {
            let difference = gap - previousGap
            jitterTotal += difference < .zero ? .zero - difference : difference
            jitterCount += 1
        }
        previousGap = gap
        return nil
    }

    /// Declares the peer dead once it has been silent for the dead window.
    mutating func tick(at now: C.Instant) -> PeerChange? {
        guard peerAlive, let peer, let lastArrival else { return nil }
        let silence = lastArrival.duration(to: now)
        guard silence >= deadWindow else { return nil }
        peerAlive = false
        return .dead(peer, silence: silence)
    }

    /// Closes the window at `now` and starts the next one.
    mutating func summarize(at now: C.Instant) -> Summary {
        let expected = Int((expectedTime / interval).rounded())
        let lost = max(0, expected - received)
        let summary = Summary(
            window: windowStart.duration(to: now),
            sent: sent,
            received: received,
            expected: expected,
            lost: lost,
            lossPercent: expected > 0 ? Double(lost) * 100 / Double(expected) : 0,
            rttP50: roundTrips.percentile(50),
            rttP99: roundTrips.percentile(99),
            jitter: jitterCount > 0 ? jitterTotal / jitterCount : nil,
            rejected: rejected,
            peer: peer,
            peerAlive: peerAlive
        )
        windowStart = now
        sent = 0
        received = 0
        rejected = 0
        expectedTime = .zero
        jitterTotal = .zero
        jitterCount = 0
        roundTrips = RoundTripSamples(capacity: roundTrips.capacity)
        return summary
    }
}
