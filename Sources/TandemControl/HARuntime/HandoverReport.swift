/// The outcome of a planned handover (`tandem drill`, `tandem failover`), as the old ACTIVE measured it.
/// Durations are milliseconds.
public struct HandoverReport: Codable, Sendable, Equatable {
    /// This node (the old ACTIVE).
    public var node: String
    /// The peer that was asked to take over.
    public var peer: String
    /// How long responses carried `Connection: close` before the step-down (0 for a drill).
    public var drainMs: Double
    /// Client connections asked to close when the drain window opened.
    public var connectionsClosed: Int
    /// From the step-down to the peer's first heartbeat saying ACTIVE; nil when it never did.
    public var handoverMs: Double?
    /// How long this node stays stepped down (its priority lowered).
    public var holdMs: Double
    /// This node's state when the command returned.
    public var state: String
    /// The peer's state as last heard when the command returned.
    public var peerState: String
    /// What happened, for people.
    public var summary: String
    /// The VIP groups handed over (nodes with `ha.groups` only).
    public var groups: [String]?

    public init(
        node: String,
        peer: String,
        drainMs: Double,
        connectionsClosed: Int,
        handoverMs: Double?,
        holdMs: Double,
        state: String,
        peerState: String,
        summary: String,
        groups: [String]? = nil
    ) {
        self.groups = groups
        self.node = node
        self.peer = peer
        self.drainMs = drainMs
        self.connectionsClosed = connectionsClosed
        self.handoverMs = handoverMs
        self.holdMs = holdMs
        self.state = state
        self.peerState = peerState
        self.summary = summary
    }
}
