/// Conditions a node tells its peer beside its state and priority, so that the peer (and `tandem drill` on
/// it) can tell *why* a priority is low: a drill must not hand the VIP to a node whose backends are all down.
///
/// Bits not defined here are sent as zero and ignored on receipt, so a later version can add conditions.
public struct HeartbeatFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// Every local backend server is down (the `track: backends` condition).
    public static let backendsDown = HeartbeatFlags(rawValue: 1 << 0)
    /// An administrative step-down (`tandem drill`, `tandem failover`) is in effect.
    public static let steppedDown = HeartbeatFlags(rawValue: 1 << 1)

    /// An operator's planned handover (`tandem failover`) is under way on the sender: a hold on the receiver
    /// (left by an earlier drill or failover) gives way, so the explicit move wins over the older one.
    public static let handingOver = HeartbeatFlags(rawValue: 1 << 2)

    /// The bits this version defines.
    public static let known: HeartbeatFlags = [.backendsDown, .steppedDown, .handingOver]
}
