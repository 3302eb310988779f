import Testing

@testable import TandemBalancing

@Suite struct OutlierDetectorTests {
    /// A fixed origin; the detector itself never reads a clock, every instant below is derived.
    let start = ContinuousClock.now

    func fail(
        _ detector: inout OutlierDetector,
        _ server: Int,
        times: Int,
        at now: ContinuousClock.Instant
    ) -> [OutlierDetector.Event] {
        (0..<times).compactMap { _ in detector.recordFailure(server: server, at: now) }
    }

    /// Four failures do nothing; the fifth ejects for the base period; expiry restores exactly at the end.
    @Test func ejectsAfterConsecutiveFailuresAndExpires() {
        var detector = OutlierDetector(serverCount: 4)
        #expect(fail(&detector, 0, times: 4, at: start).isEmpty)
        #expect(!detector.isEjected(0))
        let until = start + .seconds(30)
        #expect(detector.recordFailure(server: 0, at: start) == .ejected(server: 0, until: until, times: 1))
        #expect(detector.isEjected(0))
        #expect(detector.nextExpiry == until)
        // Failures of requests still in flight on an ejected server change nothing.
        #expect(fail(&detector, 0, times: 10, at: start).isEmpty)

        #expect(detector.expire(at: until - .milliseconds(1)).isEmpty)
        #expect(detector.expire(at: until) == [.restored(server: 0)])
        #expect(!detector.isEjected(0))
        #expect(detector.nextExpiry == nil)
        #expect(detector.expire(at: until + .seconds(1)).isEmpty)
    }

    /// A success breaks the streak.
    @Test func successResetsStreak() {
        var detector = OutlierDetector(serverCount: 4, consecutiveFailures: 3)
        #expect(fail(&detector, 1, times: 2, at: start).isEmpty)
        detector.recordSuccess(server: 1)
        #expect(fail(&detector, 1, times: 2, at: start).isEmpty)
        #expect(detector.recordFailure(server: 1, at: start) != nil)
    }

    /// Each ejection lasts base × times, capped at the maximum: 30, 60, ..., 300, 300 s.
    @Test func backoffGrowsToCap() {
        var detector = OutlierDetector(serverCount: 2, consecutiveFailures: 1)
        var now = start
        for times in 1...12 {
            let expected = now + min(.seconds(30 * times), .seconds(300))
            #expect(detector.recordFailure(server: 0, at: now) == .ejected(server: 0, until: expected, times: times))
            now = expected
            #expect(detector.expire(at: now) == [.restored(server: 0)])
        }
    }

    /// A server that stays in for the maximum period after restoration starts over at the base period.
    @Test func backoffForgottenAfterGoodBehaviour() {
        var detector = OutlierDetector(serverCount: 2, consecutiveFailures: 1)
        _ = detector.recordFailure(server: 0, at: start)
        #expect(detector.expire(at: start + .seconds(30)) == [.restored(server: 0)])
        let soon = start + .seconds(40)
        #expect(
            detector.recordFailure(server: 0, at: soon) == .ejected(server: 0, until: soon + .seconds(60), times: 2)
        )
        let restored = soon + .seconds(60)
        #expect(detector.expire(at: restored) == [.restored(server: 0)])
        let later = restored + .seconds(300)
        #expect(
            detector.recordFailure(server: 0, at: later) == .ejected(server: 0, until: later + .seconds(30), times: 1)
        )
    }

    /// At most half (rounded down) of the servers are out at once; room frees on expiry.
    @Test func ejectionCap() {
        var detector = OutlierDetector(serverCount: 5, consecutiveFailures: 2)
        #expect(detector.maxEjected == 2)
        #expect(fail(&detector, 0, times: 2, at: start).count == 1)
        #expect(fail(&detector, 1, times: 2, at: start + .seconds(1)).count == 1)
        #expect(fail(&detector, 2, times: 5, at: start + .seconds(2)).isEmpty)
        #expect(!detector.isEjected(2))

        #expect(detector.expire(at: start + .seconds(30)) == [.restored(server: 0)])
        let now = start + .seconds(30)
        // Server 2 kept failing while capped: its next failure ejects it at once.
        #expect(detector.recordFailure(server: 2, at: now) == .ejected(server: 2, until: now + .seconds(30), times: 1))
    }

    /// A lone server (or a 0% cap) is never ejected.
    @Test func loneServerNeverEjected() {
        var lone = OutlierDetector(serverCount: 1, consecutiveFailures: 1)
        #expect(fail(&lone, 0, times: 20, at: start).isEmpty)
        var none = OutlierDetector(serverCount: 10, consecutiveFailures: 1, maxEjectedPercent: 0)
        #expect(fail(&none, 3, times: 20, at: start).isEmpty)
    }

    /// Several expiries at once are reported in index order.
    @Test func simultaneousExpiries() {
        var detector = OutlierDetector(serverCount: 4, consecutiveFailures: 1)
        _ = detector.recordFailure(server: 3, at: start)
        _ = detector.recordFailure(server: 1, at: start + .seconds(5))
        #expect(detector.nextExpiry == start + .seconds(30))
        #expect(detector.expire(at: start + .seconds(40)) == [.restored(server: 1), .restored(server: 3)])
    }
}
