import Testing

@testable import TandemHA

@Suite("Heartbeat log: summary maths and peer liveness")
struct EventLogSummaryTests {
    typealias Window = HeartbeatWindow<MockClock>
    static let interval = Duration.milliseconds(100)

    let clock = MockClock()

    func makeWindow() -> Window {
        Window(interval: Self.interval, deadWindow: Self.interval * 3, start: clock.now)
    }

    /// Arrivals `gaps` apart (the first one now); returns the liveness changes seen.
    func arrive(_ window: inout Window, gaps: [Duration], roundTrip: Duration? = nil) -> [Window.PeerChange] {
        var changes: [Window.PeerChange] = []
        for gap in gaps {
            clock.advance(by: gap)
            if let change = window.received(from: "lb-b", at: clock.now, roundTrip: roundTrip) {
                changes.append(change)
            }
        }
        return changes
    }

    /// Ten heartbeats on time: ten expected, none lost, zero jitter; the first makes the peer alive once.
    @Test func regularArrivalsLoseNothing() {
        var window = makeWindow()
        for _ in 0..<10 { window.sentHeartbeat() }
        let changes = arrive(&window, gaps: [.zero] + Array(repeating: Self.interval, count: 9))
        #expect(changes == [.alive("lb-b")])
        let summary = window.summarize(at: clock.now)
        #expect(summary.sent == 10)
        #expect(summary.received == 10)
        #expect(summary.expected == 10)
        #expect(summary.lost == 0)
        #expect(summary.lossPercent == 0)
        #expect(summary.jitter == .zero)
        #expect(summary.peer == "lb-b")
        #expect(summary.peerAlive)
    }

    /// Two missing heartbeats in the middle (a 300 ms gap) count as 2 lost of 10 expected: 20 %.
    @Test func gapCountsAsLoss() {
        var window = makeWindow()
        let gaps: [Duration] =
            [.zero] + Array(repeating: Self.interval, count: 4) + [Self.interval * 3]
            + Array(repeating: Self.interval, count: 2)
        _ = arrive(&window, gaps: gaps)
        let summary = window.summarize(at: clock.now)
        #expect(summary.received == 8)
        #expect(summary.expected == 10)
        #expect(summary.lost == 2)
        #expect(summary.lossPercent == 20)
    }

    /// Jitter is the mean absolute difference of successive inter-arrival times: gaps 100, 120, 80, 100 ms
    /// give differences 20, 40, 20 → 26.667 ms; small timing noise does not count as loss.
    @Test func jitterFromInterArrivalTimes() {
        var window = makeWindow()
        _ = arrive(
            &window,
            gaps: [.zero, .milliseconds(100), .milliseconds(120), .milliseconds(80), .milliseconds(100)]
        )
        let summary = window.summarize(at: clock.now)
        #expect(summary.jitter == Duration.milliseconds(80) / 3)
        #expect(summary.lost == 0)
        #expect(summary.expected == 5)
    }

    /// RTT percentiles come from the window's echoed samples only: the next window starts empty.
    @Test func roundTripPercentilesPerWindow() {
        var window = makeWindow()
        for milliseconds in 1...100 {
            clock.advance(by: Self.interval)
            _ = window.received(from: "lb-b", at: clock.now, roundTrip: .milliseconds(milliseconds))
        }
        let first = window.summarize(at: clock.now)
        #expect(first.rttP50 == .milliseconds(50))
        #expect(first.rttP99 == .milliseconds(99))
        #expect(first.window == Self.interval * 100)
        clock.advance(by: Self.interval)
        _ = window.received(from: "lb-b", at: clock.now, roundTrip: nil)
        let second = window.summarize(at: clock.now)
        #expect(second.rttP50 == nil)
        #expect(second.jitter == .zero)  // the gap before it follows on from the previous window's
        #expect(second.received == 1)
        #expect(second.expected == 1)
        #expect(second.window == Self.interval)
    }

    /// The peer is declared dead at the dead window (not one tick before), once; its return is alive again and
    /// the silence is not counted as loss.
    @Test func peerDeadAndBack() {
        var window = makeWindow()
        _ = arrive(&window, gaps: [.zero, Self.interval])
        clock.advance(by: Self.interval * 3 - .milliseconds(1))
        #expect(window.tick(at: clock.now) == nil)
        clock.advance(by: .milliseconds(1))
        #expect(window.tick(at: clock.now) == .dead("lb-b", silence: Self.interval * 3))
        clock.advance(by: Self.interval)
        #expect(window.tick(at: clock.now) == nil)
        #expect(window.summarize(at: clock.now).peerAlive == false)
        clock.advance(by: .seconds(5))
        #expect(arrive(&window, gaps: [.zero, Self.interval]) == [.alive("lb-b")])
        let summary = window.summarize(at: clock.now)
        #expect(summary.expected == 2)
        #expect(summary.lost == 0)
        #expect(summary.peerAlive)
    }

    /// A third node's heartbeats are ignored while the known peer is alive, as the state machine does.
    @Test func thirdNodeIgnoredWhilePeerAlive() {
        var window = makeWindow()
        _ = arrive(&window, gaps: [.zero])
        clock.advance(by: .milliseconds(10))
        #expect(window.received(from: "lb-c", at: clock.now, roundTrip: nil) == nil)
        let summary = window.summarize(at: clock.now)
        #expect(summary.received == 1)
        #expect(summary.peer == "lb-b")
    }

    /// The summary line carries the window's numbers, the node's state and the peer's (`dead` when silent).
    @Test func summaryEvent() {
        var window = makeWindow()
        _ = arrive(&window, gaps: [.zero, Self.interval], roundTrip: .microseconds(250))
        window.rejectedDatagram()
        let summary = window.summarize(at: clock.now)
        let event = HeartbeatEventRecorder.event(summary, state: .active, peerState: .standby, node: "lb-a")
        #expect(event.event == .summary)
        #expect(event.received == 2)
        #expect(event.rejected == 1)
        #expect(event.rttP50Ms == 0.25)
        #expect(event.state == "ACTIVE")
        #expect(event.peer == "lb-b")
        #expect(event.peerState == "STANDBY")
        var dead = summary
        dead.peerAlive = false
        #expect(
            HeartbeatEventRecorder.event(dead, state: .active, peerState: .standby, node: "lb-a").peerState == "dead"
        )
    }
}
