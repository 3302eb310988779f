/// One line of the heartbeat log (`ha.log`): a JSON object per line, written by ``HAEventLog`` and read back by
/// `tandem logs`. Fields that do not apply to an event are absent (never `null`).
///
/// Every line has `time` (RFC 3339, UTC, milliseconds), `node` (this node's name) and `event`; lines about one
/// VIP group of a node with `ha.groups` also carry `group` (transitions, VIP calls, VIP faults); then:
///
/// - `started`, `stopped`: `state`, `reason`.
/// - `transition`: `from`, `to`, `reason` (states are `INITIAL`, `STANDBY`, `ACTIVE`, `FAULT`).
/// - `peer_alive`: `peer` (its first valid heartbeat after silence, or at start).
/// - `peer_dead`: `peer`, `silent_ms` (no valid heartbeat for the dead window).
/// - `rejected`: `reason` (a ``HeartbeatRejection`` raw value), `suppressed` (rejections left out of the log
///   since the previous `rejected` line: at most 10 lines a minute are written).
/// - `vip_claim`, `vip_release`, `vip_announce`: `vip`, `interface`, `ok`, `total_ms`,
///   `steps` [{`step`, `ms`, `detail`}], and `error` when not ok.
/// - `groups_differ`: `reason` (the peer declares other groups), or `ok` when they match again.
/// - `summary`: `window_ms`, `sent`, `received`, `expected`, `lost`, `loss_percent`, `rtt_p50_ms`, `rtt_p99_ms`,
///   `jitter_ms`, `rejected`, `state`, `peer`, `peer_state` (`dead` while the peer is not alive).
///
/// Summary maths (over the window since the previous summary): `expected` = time the peer was alive ÷ interval;
/// `lost` = max(0, expected − received); `loss_percent` = lost ÷ expected × 100; RTTs are nearest-rank
/// percentiles of the echoed round trips received in the window; `jitter_ms` is the mean absolute difference
/// between successive inter-arrival times of the peer's heartbeats (RFC 3550's idea, without its smoothing).
/// Absent values (no samples) are left out. Milliseconds carry three decimals.
///
/// Example: `{"time":"2026-11-23T18:03:23.123Z","node":"lb-b","event":"transition","from":"STANDBY","to":"ACTIVE",`
/// `"reason":"peer dead: no valid heartbeat for 0.3 seconds"}`
public struct HAEvent: Sendable, Hashable, Codable {
    public var time: EventTimestamp
    public var node: String
    public var event: Kind
    /// The VIP group the line is about (nodes with `ha.groups` only).
    public var group: String?

    // transition, started, stopped, rejected
    public var from: String?
    public var to: String?
    public var reason: String?
    // peer_alive, peer_dead, summary
    public var peer: String?
    public var silentMs: Double?
    // rejected
    public var suppressed: Int?
    // vip_*
    public var vip: String?
    public var interface: String?
    public var ok: Bool?
    public var totalMs: Double?
    public var steps: [Step]?
    public var error: String?
    // summary
    public var windowMs: Double?
    public var sent: Int?
    public var received: Int?
    public var expected: Int?
    public var lost: Int?
    public var lossPercent: Double?
    public var rttP50Ms: Double?
    public var rttP99Ms: Double?
    public var jitterMs: Double?
    public var rejected: Int?
    public var state: String?
    public var peerState: String?

    /// An event with only the common fields set; the factories in `HAEvent+Factories.swift` fill the rest.
    public init(time: EventTimestamp, node: String, event: Kind) {
        self.time = time
        self.node = node
        self.event = event
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case time, node, event, group, from, to, reason, peer
        case silentMs = "silent_ms"
        case suppressed, vip, interface, ok
        case totalMs = "total_ms"
        case steps, error
        case windowMs = "window_ms"
        case sent, received, expected, lost
        case lossPercent = "loss_percent"
        case rttP50Ms = "rtt_p50_ms"
        case rttP99Ms = "rtt_p99_ms"
        case jitterMs = "jitter_ms"
        case rejected, state
        case peerState = "peer_state"
    }
}
