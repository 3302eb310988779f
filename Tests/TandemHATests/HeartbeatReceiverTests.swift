import Testing

@testable import TandemHA

@Suite("Heartbeat receiver")
struct HeartbeatReceiverTests {
    let keyring = HeartbeatFixtures.keyring(HeartbeatFixtures.key(id: 1, fill: 5))
    let now: UInt64 = 1_000_000_000_000

    func receiver() -> HeartbeatReceiver {
        HeartbeatReceiver(ownName: "lb-a", keyring: keyring, clockWindow: .seconds(10))
    }

    /// A packet accepted once is refused when it comes again (duplicate), older sequences are replays.
    @Test func replaysAreRejected() {
        var receiver = receiver()
        let first = HeartbeatFixtures.heartbeat(sequence: 5, timestamp: now).signed(with: keyring)
        let older = HeartbeatFixtures.heartbeat(sequence: 4, timestamp: now).signed(with: keyring)
        let newer = HeartbeatFixtures.heartbeat(sequence: 6, timestamp: now).signed(with: keyring)
        #expect((try? receiver.receive(first, wallClockNanoseconds: now).get()) != nil)
        #expect(receiver.receive(first, wallClockNanoseconds: now) == .failure(.duplicate))
        #expect(receiver.receive(older, wallClockNanoseconds: now) == .failure(.replay))
        #expect((try? receiver.receive(newer, wallClockNanoseconds: now).get()) != nil)
        #expect(receiver.rejections[.duplicate] == 1)
        #expect(receiver.rejections[.replay] == 1)
        #expect(receiver.accepted == 2)
    }

    /// A restarted peer (newer epoch) starts over at sequence 1; a packet of its previous epoch is stale.
    @Test func epochs() {
        var receiver = receiver()
        let before = HeartbeatFixtures.heartbeat(epoch: 7, sequence: 900, timestamp: now).signed(with: keyring)
        let restarted = HeartbeatFixtures.heartbeat(epoch: 8, sequence: 1, timestamp: now).signed(with: keyring)
        let late = HeartbeatFixtures.heartbeat(epoch: 7, sequence: 901, timestamp: now).signed(with: keyring)
        #expect((try? receiver.receive(before, wallClockNanoseconds: now).get()) != nil)
        #expect((try? receiver.receive(restarted, wallClockNanoseconds: now).get()) != nil)
        #expect(receiver.receive(late, wallClockNanoseconds: now) == .failure(.staleEpoch))
    }

    /// Our own name, a timestamp outside the window and a forged MAC are each counted under their reason.
    @Test func otherRejections() {
        var receiver = receiver()
        let own = HeartbeatFixtures.heartbeat(name: "lb-a", timestamp: now).signed(with: keyring)
        #expect(receiver.receive(own, wallClockNanoseconds: now) == .failure(.ownName))
        let old = HeartbeatFixtures.heartbeat(timestamp: now - 10_000_000_001).signed(with: keyring)
        #expect(receiver.receive(old, wallClockNanoseconds: now) == .failure(.clockSkew))
        let future = HeartbeatFixtures.heartbeat(timestamp: now + 10_000_000_001).signed(with: keyring)
        #expect(receiver.receive(future, wallClockNanoseconds: now) == .failure(.clockSkew))
        let edge = HeartbeatFixtures.heartbeat(timestamp: now - 10_000_000_000).signed(with: keyring)
        #expect((try? receiver.receive(edge, wallClockNanoseconds: now).get()) != nil)
        let forged = HeartbeatFixtures.heartbeat(sequence: 2, timestamp: now)
            .signed(with: HeartbeatFixtures.keyring(HeartbeatFixtures.key(id: 1, fill: 6)))
        #expect(receiver.receive(forged, wallClockNanoseconds: now) == .failure(.badMAC))
        #expect(receiver.receive([1, 2, 3], wallClockNanoseconds: now) == .failure(.malformed))
        #expect(receiver.rejections[.ownName] == 1)
        #expect(receiver.rejections[.clockSkew] == 2)
        #expect(receiver.rejections[.badMAC] == 1)
        #expect(receiver.rejections[.malformed] == 1)
        #expect(receiver.accepted == 1)
    }

    /// A rejected packet does not advance the replay window (a forged high sequence cannot block the peer).
    @Test func rejectedPacketsDoNotAdvanceTheWindow() {
        var receiver = receiver()
        let skewed = HeartbeatFixtures.heartbeat(sequence: 1_000, timestamp: now + 60_000_000_000).signed(with: keyring)
        #expect(receiver.receive(skewed, wallClockNanoseconds: now) == .failure(.clockSkew))
        let normal = HeartbeatFixtures.heartbeat(sequence: 1, timestamp: now).signed(with: keyring)
        #expect((try? receiver.receive(normal, wallClockNanoseconds: now).get()) != nil)
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
