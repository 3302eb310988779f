/// The timing bookkeeping between this node and its peer, on monotonic clocks: what to echo, the round trips,
/// and the peer's wall-clock skew (shown, never used to decide). Pure; the service feeds it arrival times.
struct PeerClock: Sendable {
    /// The peer's newest monotonic value and when (our boottime) it arrived.
    private var peerMonotonic: (value: UInt64, receivedAt: UInt64)?
    private(set) var roundTrips = RoundTripSamples()
    /// Peer wall clock minus ours, corrected by half the median round trip; nil before the first heartbeat.
    private(set) var skew: Duration?

    /// Takes one accepted heartbeat that arrived at `arrival` (our boottime) when our wall clock read
    /// `wallNow`; returns the round trip it measured, if its echo carried one of ours.
    mutating func received(_ heartbeat: Heartbeat, arrival: UInt64, wallNow: UInt64) -> Duration? {
        var roundTrip: Duration?
        if heartbeat.echo != 0, arrival > heartbeat.echo, arrival - heartbeat.echo < 10_000_000_000 {
            let sample = Duration.nanoseconds(Int64(arrival - heartbeat.echo))
            roundTrips.add(sample)
            roundTrip = sample
        }
        peerMonotonic = (heartbeat.monotonic, arrival)
        let halfTrip = (roundTrips.percentile(50) ?? .zero) / 2
        let difference = Int64(truncatingIfNeeded: heartbeat.wallClock &- wallNow)
        skew = .nanoseconds(difference) + halfTrip
        return roundTrip
    }

    /// The echo for a packet sent at `now` (our boottime): the peer's value plus how long we held it.
    func echo(at now: UInt64) -> UInt64 {
        guard let peerMonotonic else { return 0 }
        return peerMonotonic.value &+ (now &- peerMonotonic.receivedAt)
    }
}

/// Assembles this node's packets: the boot epoch, the sequence, the clocks, the MAC.
struct HeartbeatComposer: Sendable {
    let nodeName: String
    let bootEpoch: UInt64
    private(set) var sequence: UInt64 = 0

    init(nodeName: String, bootEpoch: UInt64) {
        self.nodeName = nodeName
        self.bootEpoch = bootEpoch
    }

    /// The next heartbeat, signed.
    mutating func heartbeat(
        _ groups: [Heartbeat.Group],
        monotonic: UInt64,
        wallClock: UInt64,
        echo: UInt64,
        keyring: HeartbeatKeyring
    ) -> [UInt8] {
        sequence += 1
        return Heartbeat(
            keyID: keyring.signingKey.id,
            nodeName: nodeName,
            bootEpoch: bootEpoch,
            sequence: sequence,
            monotonic: monotonic,
            wallClock: wallClock,
            echo: echo,
            groups: groups
        ).signed(with: keyring)
    }

    /// The farewell the helper sends if this daemon's connection breaks: no groups (FAULT, priority 0 in every
    /// one), sequence 0. It does not depend on the groups, so a reload never needs to re-arm it for them.
    func farewell(monotonic: UInt64, wallClock: UInt64, keyring: HeartbeatKeyring) -> [UInt8] {
        Heartbeat(
            kind: .farewell,
            keyID: keyring.signingKey.id,
            nodeName: nodeName,
            bootEpoch: bootEpoch,
            sequence: 0,
            monotonic: monotonic,
            wallClock: wallClock,
            echo: 0,
            groups: []
        ).signed(with: keyring)
    }
}
