import Testing

@testable import TandemHA

#if canImport(Glibc)
import Glibc
#endif

/// The pieces that keep the wall clock out of every decision (issue 14, items 3 and 5).
@Suite("Clock independence")
struct ClockIndependenceTests {
    /// The epoch grows by one per start whatever the wall clock does; a lost file falls back to the
    /// wall-clock second; the peers' epochs survive a restart.
    @Test func stateFileEpochs() throws {
        let scratch = EventLogScratch()
        let directory = scratch.file("state")
        defer {
            for node in ["lb-a", "lb-b"] { unlink(directory + "/ha-\(node).state") }
            rmdir(directory)
            scratch.remove()
        }
        let now: UInt64 = 1_780_000_000
        let first = try HAStateFile.begin(directory: directory, node: "lb-a", wallSeconds: now)
        #expect(first.epoch == now)
        first.recordPeer("lb-b", epoch: 42)
        first.recordPeer("lb-b", epoch: 41)  // older: ignored
        let clockBackAnHour = try HAStateFile.begin(directory: directory, node: "lb-a", wallSeconds: now - 3_600)
        #expect(clockBackAnHour.epoch == now + 1)
        #expect(clockBackAnHour.peerEpochs == ["lb-b": 42])
        let clockAheadAnHour = try HAStateFile.begin(directory: directory, node: "lb-a", wallSeconds: now + 3_600)
        #expect(clockAheadAnHour.epoch == now + 3_600)
        let back = try HAStateFile.begin(directory: directory, node: "lb-a", wallSeconds: now)
        #expect(back.epoch == now + 3_601)
        #expect(scratch.read("state/ha-lb-a.state").contains("epoch \(now + 3_601)\npeer lb-b 42\n"))
        // Another node's file in the same directory is its own.
        #expect(try HAStateFile.begin(directory: directory, node: "lb-b", wallSeconds: 5).epoch == 5)
    }

    /// An unwritable state directory is an error that names it.
    @Test func unwritableDirectory() {
        #expect(throws: HAStateFile.Error.self) {
            try HAStateFile.begin(directory: "/proc/tandem-state", node: "lb-a", wallSeconds: 1)
        }
    }

    /// The echo carries the peer's monotonic value plus our hold time; the round trip and the skew come out
    /// right with the two wall clocks an hour apart.
    @Test func echoRoundTripAndSkew() {
        var clock = PeerClock()
        let hour: Int64 = 3_600_000_000_000
        let ourWall: UInt64 = 1_780_000_000_000_000_000
        var peer = HeartbeatFixtures.heartbeat(monotonic: 7_000_000, wallClock: UInt64(Int64(ourWall) + hour))
        // First heartbeat from the peer, no echo yet; we hold its value 2 ms before sending.
        #expect(clock.received(peer, arrival: 100_000_000, wallNow: ourWall) == nil)
        #expect(clock.echo(at: 102_000_000) == 9_000_000)
        // The peer echoes our send time (102 ms on our clock) plus its 1 ms hold; it arrives at 104 ms.
        peer.echo = 103_000_000
        #expect(clock.received(peer, arrival: 104_000_000, wallNow: ourWall) == .milliseconds(1))
        let skew = clock.skew ?? .zero
        #expect(skew > .nanoseconds(hour) && skew < .nanoseconds(hour) + .milliseconds(1))
    }

    /// A gap is a suspend when boottime ran ahead of monotonic, busy when the thread spent the time on CPU,
    /// and stopped otherwise (SIGSTOP, no CPU from the host).
    @Test func pauseCauses() {
        let second: UInt64 = 1_000_000_000
        #expect(
            PauseCause.classify(boottime: 10 * second, monotonic: 1 * second, threadCPU: 0) == .suspended(.seconds(9))
        )
        #expect(PauseCause.classify(boottime: 2 * second, monotonic: 2 * second, threadCPU: 19 * second / 10) == .busy)
        #expect(PauseCause.classify(boottime: 2 * second, monotonic: 2 * second, threadCPU: 1_000_000) == .stopped)
        #expect(PauseCause.stopped.description.contains("SIGSTOP"))
    }
}
