extension HAStatusReport {
    /// The groups a handover moves: `group` alone, or every group this node is ACTIVE for (the implicit group
    /// of a node without `ha.groups` when it is ACTIVE).
    public func handoverGroups(_ group: String?) -> [String] {
        if let group { return [group] }
        return (groups ?? []).filter { $0.state == "ACTIVE" }.map(\.name)
    }

    /// Why a planned handover from this node must not start, or nil when it may: the node must be ACTIVE (for
    /// `group`, or for at least one group) and its peer alive, STANDBY there, with a non-zero priority and at
    /// least one healthy backend — otherwise the handover would move the traffic to a node that cannot serve
    /// it, or to nobody.
    public func handoverRefusal(node: String, group: String? = nil) -> String? {
        guard declaresGroups == true || group != nil else { return wholeNodeRefusal(node: node) }
        let names = (groups ?? []).map(\.name)
        if let group, !names.contains(group) {
            return "there is no VIP group \(group) (groups: \(names.joined(separator: ", ")))"
        }
        let targets = handoverGroups(group)
        guard !targets.isEmpty else {
            let active = peer.flatMap { $0.alive && $0.state == "ACTIVE" ? $0.name : nil }
            let hint = active.map { "; run it on \($0), which is" } ?? ""
            return "\(node) is ACTIVE for no VIP group: only a node ACTIVE for a group can hand it over\(hint)"
        }
        for target in targets {
            if let refusal = groupRefusal(node: node, group: target) { return refusal }
        }
        return nil
    }

    private func wholeNodeRefusal(node: String) -> String? {
        guard state == "ACTIVE" else {
            let active = peer.flatMap { $0.alive && $0.state == "ACTIVE" ? $0.name : nil }
            let hint = active.map { "; run it on the ACTIVE node, \($0)" } ?? ""
            return "\(node) is \(state), not ACTIVE: only the ACTIVE node can hand over\(hint)"
        }
        guard let peer else {
            return "the peer has never been heard: there is nobody to hand over to"
        }
        return peerRefusal(
            peer,
            state: peer.state,
            priority: peer.priority,
            backendsDown: peer.backendsDown,
            steppedDown: peer.steppedDown
        )
    }

    private func groupRefusal(node: String, group name: String) -> String? {
        guard let group = group(name) else { return "there is no VIP group \(name)" }
        guard group.state == "ACTIVE" else {
            let hint = peer.flatMap { $0.alive && group.peerState == "ACTIVE" ? "; \($0.name) holds it" : nil } ?? ""
            return
                "\(node) is \(group.state) in group \(name), not ACTIVE: only its ACTIVE node can hand it over\(hint)"
        }
        guard let peer else {
            return "the peer has never been heard: there is nobody to hand group \(name) over to"
        }
        return peerRefusal(
            peer,
            state: group.peerState ?? "unknown",
            priority: group.peerPriority ?? 0,
            backendsDown: group.peerBackendsDown,
            steppedDown: group.peerSteppedDown,
            group: name
        )
    }

    private func peerRefusal(
        _ peer: Peer,
        state: String,
        priority: Int,
        backendsDown: Bool,
        steppedDown: Bool,
        group: String? = nil
    ) -> String? {
        let whereText = group.map { " in group \($0)" } ?? ""
        guard peer.alive else {
            return "peer \(peer.name) is not alive (last heard \(Int(peer.lastHeardMs)) ms ago): "
                + "a handover would leave nobody ACTIVE"
        }
        guard state == "STANDBY" else {
            return "peer \(peer.name) is \(state)\(whereText), not STANDBY: it cannot take over now"
        }
        guard !backendsDown else {
            return "every backend server of peer \(peer.name) is down: it could not serve the traffic"
        }
        // A peer at 0 only because an earlier drill or failover holds it is fine: the handover's announcement
        // ends that hold, and an explicit operator move beats the older one.
        guard priority > 0 || steppedDown else {
            return "peer \(peer.name) advertises priority 0\(whereText): it cannot take over"
        }
        return nil
    }
}
