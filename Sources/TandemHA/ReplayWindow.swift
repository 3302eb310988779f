/// Remembers, per sender, the newest (boot epoch, sequence) accepted, so that a recorded packet can never be
/// accepted twice.
///
/// Rules: within one epoch the sequence must grow strictly; a larger epoch (the sender restarted) starts over;
/// a smaller epoch is a packet from before the restart and is refused. Only authenticated packets reach this
/// type, so its memory is bounded by the number of key holders, not by an attacker.
public struct ReplayWindow: Sendable {
    private struct Position: Sendable {
        var epoch: UInt64
        var sequence: UInt64
    }

    private var newest: [String: Position] = [:]

    public init() {}

    /// Checks a packet's position and, when it is newer than anything seen from `node`, records it.
    public mutating func admit(node: String, epoch: UInt64, sequence: UInt64) throws(HeartbeatRejection) {
        if let last = newest[node] {
            if epoch < last.epoch { throw .staleEpoch }
            if epoch == last.epoch {
                if sequence == last.sequence { throw .duplicate }
                if sequence < last.sequence { throw .replay }
            }
        }
        newest[node] = Position(epoch: epoch, sequence: sequence)
    }
}
