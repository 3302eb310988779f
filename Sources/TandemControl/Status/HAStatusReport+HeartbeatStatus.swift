import TandemHA

extension HAStatusReport {
    /// The report for `status` and the configured VIPs (`(address, interface, group)`).
    ///
    /// The holder of every VIP is this node when ACTIVE in the VIP's group, the peer when it is alive and
    /// advertises ACTIVE there, and nobody otherwise (both nodes then agree that the address is free or moving).
    public init(
        status: HeartbeatStatus,
        vips: [(address: String, interface: String, group: String)],
        declaresGroups: Bool = false
    ) {
        func holder(_ group: String) -> String? {
            guard let entry = status.groups.first(where: { $0.name == group }) else { return nil }
            if entry.state == .active { return status.nodeName }
            if let peer = status.peer, peer.alive, entry.peerState == .active { return peer.name }
            return nil
        }
        var rejected: [String: UInt64] = [:]
        for reason in HeartbeatRejection.allCases {
            rejected[reason.rawValue] = status.rejections[reason] ?? 0
        }
        self.init(
            state: status.state.description,
            reason: status.reason,
            configuredPriority: status.configuredPriority,
            effectivePriority: status.effectivePriority,
            steppedDown: status.steppedDown,
            holdRemainingMs: status.holdRemaining.map(Self.wholeMilliseconds),
            peer: status.peer.map { peer in
                Peer(
                    name: peer.name,
                    state: peer.state.description,
                    priority: Int(peer.priority),
                    lastHeardMs: Self.milliseconds(peer.lastHeardAge),
                    alive: peer.alive,
                    backendsDown: peer.flags.contains(.backendsDown),
                    steppedDown: peer.flags.contains(.steppedDown)
                )
            },
            rttMedianMs: status.rttMedian.map(Self.milliseconds),
            rttP99Ms: status.rttP99.map(Self.milliseconds),
            vips: vips.map {
                VIP(address: $0.address, interface: $0.interface, holder: holder($0.group), group: $0.group)
            },
            accepted: status.accepted,
            rejected: rejected,
            failingTracks: status.failingTracks,
            transitions: status.counters.transitions,
            vipFailures: status.vipFailures
        )
        warning = status.untrustedPeer?.problem ?? status.groupMismatch
        clockSkewMs = status.clockSkew.map(Self.milliseconds)
        vipProblem = status.vipProblem
        lastPause = status.lastPause
        bootEpoch = status.bootEpoch
        self.declaresGroups = declaresGroups
        groups = status.groups.map { group in
            Group(
                name: group.name,
                state: group.state.description,
                reason: group.reason,
                configuredPriority: group.configuredPriority,
                effectivePriority: group.effectivePriority,
                preempt: group.preempt,
                preemptDelayMs: Self.milliseconds(group.preemptDelay),
                steppedDown: group.steppedDown,
                holdRemainingMs: group.holdRemaining.map(Self.wholeMilliseconds),
                peerState: group.peerState?.description,
                peerPriority: group.peerPriority.map(Int.init),
                peerBackendsDown: group.peerFlags.contains(.backendsDown),
                peerSteppedDown: group.peerFlags.contains(.steppedDown),
                peerStateAgeMs: group.peerStateAge.map(Self.milliseconds),
                vips: vips.filter { $0.group == group.name }.map(\.address),
                vipProblem: group.vipProblem,
                transitions: group.counters.transitions
            )
        }
    }

    /// Whole milliseconds, rounded up (a hold of 0.3 ms left is still a hold).
    static func wholeMilliseconds(_ duration: Duration) -> Int {
        Int(milliseconds(duration).rounded(.up))
    }

    /// Milliseconds of `duration` with microsecond resolution.
    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        let microseconds = Double(seconds) * 1_000_000 + (Double(attoseconds) / 1e12).rounded()
        return microseconds / 1000
    }
}
