/// The role a node plays in the HA pair, as held by ``NodeStateMachine`` and advertised in every heartbeat.
///
/// The raw values are the wire encoding (one byte); they never change meaning.
public enum NodeState: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Just started (or resumed after a freeze): listening for the peer before it may claim anything.
    case initial = 0
    /// Healthy and ready, not holding the VIPs.
    case standby = 1
    /// Holding the VIPs and serving.
    case active = 2
    /// A tracked dependency (e.g. the gateway) is failing: holds nothing, advertises priority 0.
    case fault = 3

    public var description: String {
        switch self {
        case .initial: "INITIAL"
        case .standby: "STANDBY"
        case .active: "ACTIVE"
        case .fault: "FAULT"
        }
    }
}
