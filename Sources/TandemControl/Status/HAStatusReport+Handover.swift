extension HAStatusReport {
    /// Why a planned handover from this node must not start, or nil when it may: the node must be ACTIVE and
    /// its peer alive, STANDBY, with a non-zero priority and at least one healthy backend — otherwise the
    /// handover would move the traffic to a node that cannot serve it, or to nobody.
    public func handoverRefusal(node: String) -> String? {
        guard state == "ACTIVE" else {
            let active = peer.flatMap { $0.alive && $0.state == "ACTIVE" ? $0.name : nil }
            let hint = active.map { "; run it on the ACTIVE node, \($0)" } ?? ""
            return "\(node) is \(state), not ACTIVE: only the ACTIVE node can hand over\(hint)"
        }
        guard let peer else {
            return "the peer has never been heard: there is nobody to hand over to"
        }
        guard peer.alive else {
            return "peer \(peer.name) is not alive (last heard \(Int(peer.lastHeardMs)) ms ago): "
                + "a handover would leave nobody ACTIVE"
        }
        guard peer.state == "STANDBY" else {
            return "peer \(peer.name) is \(peer.state), not STANDBY: it cannot take over now"
        }
        guard !peer.backendsDown else {
            return "every backend server of peer \(peer.name) is down: it could not serve the traffic"
        }
        // A peer at 0 only because an earlier drill or failover holds it is fine: the handover's announcement
        // ends that hold, and an explicit operator move beats the older one.
        guard peer.priority > 0 || peer.steppedDown else {
            return "peer \(peer.name) advertises priority 0: it cannot take over"
        }
        return nil
    }
}
