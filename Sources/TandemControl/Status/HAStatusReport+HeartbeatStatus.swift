import TandemHA

extension HAStatusReport {
    /// The report for `status` and the configured VIPs (`(address, interface)` pairs).
    ///
    /// The holder of every VIP is this node when ACTIVE, the peer when it is alive and advertises ACTIVE, and
    /// nobody otherwise (both nodes then agree that the address is free or moving).
    public init(status: HeartbeatStatus, vips: [(address: String, interface: String)]) {
        let holder: String? =
            if status.state == .active {
                status.nodeName
            } else if let peer = status.peer, peer.alive, peer.state == .active {
                peer.name
            } else {
                nil
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
            holdRemainingMs: status.holdRemaining.map { Int(Self.milliseconds($0).rounded(.up)) },
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
            vips: vips.map { VIP(address: $0.address, interface: $0.interface, holder: holder) },
            accepted: status.accepted,
            rejected: rejected,
            failingTracks: status.failingTracks,
            transitions: status.counters.transitions,
            vipFailures: status.vipFailures
        )
        warning = status.untrustedPeer?.problem
        clockSkewMs = status.clockSkew.map(Self.milliseconds)
        vipProblem = status.vipProblem
        lastPause = status.lastPause
        bootEpoch = status.bootEpoch
    }

    /// Milliseconds of `duration` with microsecond resolution.
    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        let microseconds = Double(seconds) * 1_000_000 + (Double(attoseconds) / 1e12).rounded()
        return microseconds / 1000
    }
}
