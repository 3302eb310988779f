import Testing

@testable import TandemHA

@Suite("Heartbeat receiver")
struct HeartbeatReceiverTests {
    let keyring = HeartbeatFixtures.keyring(HeartbeatFixtures.key(id: 1, fill: 5))
    /// Our boottime at the first arrival; the sender's clock reads 1_000 s when it sends.
    let now: UInt64 = 50_000_000_000_000
    let second: UInt64 = 1_000_000_000

    func receiver(knownEpochs: [String: UInt64] = [:]) -> HeartbeatReceiver {
        HeartbeatReceiver(ownName: "lb-a", keyring: keyring, freshnessWindow: .seconds(1), knownEpochs: knownEpochs)
    }

    func packet(
        epoch: UInt64 = 7,
        sequence: UInt64 = 1,
        sentAfter: UInt64 = 0,
        wallClock: UInt64 = 1_780_000_000_000_000_000,
        kind: Heartbeat.Kind = .heartbeat,
        name: String = "lb-b"
    ) -> [UInt8] {
        HeartbeatFixtures.heartbeat(
            name: name,
            epoch: epoch,
            sequence: sequence,
            monotonic: 1_000 * second + sentAfter,
            wallClock: wallClock,
            kind: kind
        ).signed(with: keyring)
    }

    /// A packet accepted once is refused when it comes again (duplicate), older sequences are replays.
    @Test func replaysAreRejected() {
        var receiver = receiver()
        #expect((try? receiver.receive(packet(sequence: 5), arrival: now).get()) != nil)
        #expect(receiver.receive(packet(sequence: 5), arrival: now) == .failure(.duplicate))
        #expect(receiver.receive(packet(sequence: 4), arrival: now) == .failure(.replay))
        #expect((try? receiver.receive(packet(sequence: 6), arrival: now).get()) != nil)
        #expect(receiver.rejections[.duplicate] == 1)
        #expect(receiver.rejections[.replay] == 1)
        #expect(receiver.accepted == 2)
    }

    /// A restarted peer (newer epoch) starts over at sequence 1; a packet of its previous epoch is stale.
    @Test func epochs() {
        var receiver = receiver()
        #expect((try? receiver.receive(packet(epoch: 7, sequence: 900), arrival: now).get()) != nil)
        #expect((try? receiver.receive(packet(epoch: 8, sequence: 1), arrival: now).get()) != nil)
        #expect(receiver.receive(packet(epoch: 7, sequence: 901), arrival: now) == .failure(.staleEpoch))
    }

    /// Epochs known from before our own restart (the state file) stay refused: a capture of the peer's earlier
    /// run cannot be replayed at a receiver that just started.
    @Test func knownEpochsSurviveOurRestart() {
        var receiver = receiver(knownEpochs: ["lb-b": 8])
        #expect(receiver.receive(packet(epoch: 7, sequence: 5), arrival: now) == .failure(.staleEpoch))
        #expect((try? receiver.receive(packet(epoch: 8, sequence: 1), arrival: now).get()) != nil)
    }

    /// Freshness is judged on monotonic clocks: a packet held back longer than the window past the fastest
    /// seen is late; the wall clock it carries, an hour off either way, plays no part.
    @Test func freshnessUsesMonotonicClocksOnly() {
        var receiver = receiver()
        let hour: UInt64 = 3_600 * second
        #expect(
            (try? receiver.receive(packet(sequence: 1, wallClock: 1_780_000_000 * second - hour), arrival: now).get())
                != nil
        )
        // Sent 1 s later by its clock, arrives 1.9 s later by ours: 0.9 s late, inside the window.
        #expect(
            (try? receiver.receive(
                packet(sequence: 2, sentAfter: second, wallClock: 1_780_000_000 * second + hour),
                arrival: now + 1_900_000_000
            ).get()) != nil
        )
        // Sent 2 s after the first, arrives 3.2 s after: 1.2 s late.
        #expect(
            receiver.receive(packet(sequence: 3, sentAfter: 2 * second), arrival: now + 3_200_000_000)
                == .failure(.late)
        )
        // The late packet did not advance the window: the same sequence on time is accepted.
        #expect(
            (try? receiver.receive(packet(sequence: 3, sentAfter: 2 * second), arrival: now + 2_100_000_000).get())
                != nil
        )
    }

    /// Two clocks that run 100 ppm apart never drift into rejection (the baseline may rise 200 ppm).
    @Test func clockDriftIsAbsorbed() {
        var receiver = receiver()
        for index in 0..<1_000 {
            let sent = UInt64(index) * 10 * second  // every 10 s for almost 3 hours
            let arrival = now + sent + sent / 10_000  // our clock runs 100 ppm fast
            #expect(
                (try? receiver.receive(packet(sequence: UInt64(index) + 1, sentAfter: sent), arrival: arrival).get())
                    != nil
            )
        }
    }

    /// A sender whose clock stood still (a VM paused without its clock) looks late forever; after five
    /// seconds of nothing but late packets the check starts over rather than refusing the peer for good.
    @Test func persistentLatenessRebaselines() {
        var receiver = receiver()
        #expect((try? receiver.receive(packet(sequence: 1), arrival: now).get()) != nil)
        let pause = 30 * second
        var sequence: UInt64 = 1
        var accepted = false
        var elapsed: UInt64 = 0
        while elapsed <= 6 * second {
            sequence += 1
            let result = receiver.receive(
                packet(sequence: sequence, sentAfter: elapsed),
                arrival: now + pause + elapsed
            )
            if elapsed < 5 * second { #expect(result == .failure(.late)) }
            if (try? result.get()) != nil { accepted = true }
            elapsed += second / 10
        }
        #expect(accepted)
    }

    /// A farewell counts once, for the epoch we know; another epoch's or a second one is refused.
    @Test func farewells() {
        var receiver = receiver()
        #expect(receiver.receive(packet(kind: .farewell), arrival: now) == .failure(.unexpectedFarewell))
        #expect((try? receiver.receive(packet(epoch: 8, sequence: 3), arrival: now).get()) != nil)
        #expect(receiver.receive(packet(epoch: 7, sequence: 0, kind: .farewell), arrival: now) == .failure(.staleEpoch))
        #expect(
            receiver.receive(packet(epoch: 9, sequence: 0, kind: .farewell), arrival: now)
                == .failure(.unexpectedFarewell)
        )
        let farewell = packet(epoch: 8, sequence: 0, sentAfter: 0, kind: .farewell)
        #expect((try? receiver.receive(farewell, arrival: now + 3_600 * second).get())?.kind == .farewell)
        #expect(receiver.receive(farewell, arrival: now + 3_601 * second) == .failure(.unexpectedFarewell))
    }

    /// Our own name and a forged MAC are each counted under their reason.
    @Test func otherRejections() {
        var receiver = receiver()
        #expect(receiver.receive(packet(name: "lb-a"), arrival: now) == .failure(.ownName))
        let forged = HeartbeatFixtures.heartbeat(sequence: 2)
            .signed(with: HeartbeatFixtures.keyring(HeartbeatFixtures.key(id: 1, fill: 6)))
        #expect(receiver.receive(forged, arrival: now) == .failure(.badMAC))
        #expect(receiver.receive([1, 2, 3], arrival: now) == .failure(.malformed))
        #expect(receiver.rejections[.ownName] == 1)
        #expect(receiver.rejections[.badMAC] == 1)
        #expect(receiver.rejections[.malformed] == 1)
        #expect(receiver.accepted == 0)
    }

    /// What an unauthenticated packet claims can be read (for suppressing a claim): per group from version 3,
    /// for every group from versions 1 and 2 (an older node holds everything it knows).
    @Test func claimsOfUntrustedPackets() {
        let forged = HeartbeatFixtures.heartbeat(name: "lb-b", state: .active)
            .signed(with: HeartbeatFixtures.keyring(HeartbeatFixtures.key(id: 1, fill: 6)))
        let claim = ClaimedHeartbeat(parsing: forged)
        #expect(
            claim == ClaimedHeartbeat(nodeName: "lb-b", groups: [.init(name: "default", state: .active, priority: 100)])
        )
        #expect(claim?.claim(forGroup: "default")?.state == .active)
        #expect(claim?.claim(forGroup: "web-b") == nil)
        // Version 2: magic, version, type, key id, name length, name, epoch, sequence, then state, flags and
        // priority at 24+N, as that version laid them out.
        let versionTwo: [UInt8] =
            Heartbeat.magic + [2, 1, 1, 4] + Array("lb-b".utf8) + [UInt8](repeating: 0, count: 16) + [2, 0, 0, 150]
            + [UInt8](repeating: 0, count: 24 + 32)
        let old = ClaimedHeartbeat(parsing: versionTwo)
        #expect(old == ClaimedHeartbeat(version: 2, nodeName: "lb-b", state: .active, priority: 150))
        #expect(old?.claim(forGroup: "web-b")?.priority == 150)
        var versionOne = Array(versionTwo.prefix(32 + 4))
        versionOne[4] = 1
        #expect(ClaimedHeartbeat(parsing: versionOne)?.version == 1)
        #expect(ClaimedHeartbeat(parsing: [0x54, 0x44, 0x48, 0x41, 2, 1, 1, 40]) == nil)
        var versionFour = forged
        versionFour[4] = 4
        #expect(ClaimedHeartbeat(parsing: versionFour) == nil)
        #expect(HeartbeatRejection.badMAC.showsUntrustedPeer && !HeartbeatRejection.replay.showsUntrustedPeer)
    }
}

@Suite("Rate-limited log")
struct RateLimitedLogTests {
    /// At most `limit` lines per interval, then one "suppressed K" line when the next interval starts.
    @Test func limitsAndSummarises() {
        let clock = MockClock()
        var log = RateLimitedLog<MockClock>(limit: 2, interval: .seconds(60))
        #expect(log.lines(for: "a", at: clock.now) == ["a"])
        #expect(log.lines(for: "b", at: clock.now) == ["b"])
        #expect(log.lines(for: "c", at: clock.now).isEmpty)
        #expect(log.lines(for: "d", at: clock.now.advanced(by: .seconds(59))).isEmpty)
        #expect(
            log.lines(for: "e", at: clock.now.advanced(by: .seconds(60))) == ["suppressed 2 similar messages", "e"]
        )
        #expect(log.lines(for: "f", at: clock.now.advanced(by: .seconds(61))) == ["f"])
    }
}

@Suite("Round-trip samples")
struct RoundTripSamplesTests {
    /// Median and p99 over the last 100 samples only (nearest rank).
    @Test func percentilesOverTheLastHundred() {
        var samples = RoundTripSamples(capacity: 100)
        #expect(samples.percentile(50) == nil)
        for value in 1...100 { samples.add(.milliseconds(value)) }
        #expect(samples.percentile(50) == .milliseconds(50))
        #expect(samples.percentile(99) == .milliseconds(99))
        for _ in 1...100 { samples.add(.milliseconds(1_000)) }
        #expect(samples.percentile(50) == .milliseconds(1_000))
    }
}
