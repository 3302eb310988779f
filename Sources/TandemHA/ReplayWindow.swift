/// Remembers, per sender, the newest (boot epoch, sequence) accepted, so that a recorded packet can never be
/// accepted twice.
///
/// Rules: within one epoch the sequence must grow strictly; a larger epoch (the sender restarted) starts over;
/// a smaller epoch is a packet from before the restart and is refused. A farewell is accepted once, and only
/// for the epoch currently known. Only authenticated packets reach this type, so its memory is bounded by the
/// number of key holders, not by an attacker.
public struct ReplayWindow: Sendable {
    private struct Position: Sendable {
        var epoch: UInt64
        var sequence: UInt64
        var farewellSeen = false
    }

    private var newest: [String: Position] = [:]

    public init() {}

    /// Starts `node` at `epoch` (known from before our restart): older epochs are refused, that one is new.
    public mutating func seed(node: String, epoch: UInt64) {
        newest[node] = Position(epoch: epoch, sequence: 0)
    }

    /// Checks a packet's position without recording it.
    public func check(node: String, epoch: UInt64, sequence: UInt64) throws(HeartbeatRejection) {
        guard let last = newest[node] else { return }
        if epoch < last.epoch { throw .staleEpoch }
        if epoch == last.epoch {
            if sequence == last.sequence { throw .duplicate }
            if sequence < last.sequence { throw .replay }
        }
    }

    /// Records a packet that passed ``check(node:epoch:sequence:)`` and every other test.
    public mutating func record(node: String, epoch: UInt64, sequence: UInt64) {
        newest[node] = Position(epoch: epoch, sequence: sequence)
    }

    /// Checks and records in one step.
    public mutating func admit(node: String, epoch: UInt64, sequence: UInt64) throws(HeartbeatRejection) {
        try check(node: node, epoch: epoch, sequence: sequence)
        record(node: node, epoch: epoch, sequence: sequence)
    }

    /// Admits the one farewell of the epoch we know `node` by.
    public mutating func admitFarewell(node: String, epoch: UInt64) throws(HeartbeatRejection) {
        guard var last = newest[node], last.epoch == epoch, !last.farewellSeen else {
            if let last = newest[node], epoch < last.epoch { throw .staleEpoch }
            throw .unexpectedFarewell
        }
        last.farewellSeen = true
        newest[node] = last
    }

    /// The newest epoch accepted (or seeded) for `node`.
    public func newestEpoch(of node: String) -> UInt64? {
        newest[node]?.epoch
    }
}
