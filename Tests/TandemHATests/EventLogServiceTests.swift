import NIOCore
import Testing

@testable import TandemHA

@Suite("Heartbeat log: written by the heartbeat service")
struct EventLogServiceTests {
    static let interval = Duration.milliseconds(50)
    let keyring = HeartbeatFixtures.keyring(HeartbeatFixtures.key(id: 1, fill: 0x5A))

    func makeService(_ name: String, priority: Int, log: String) throws -> (HeartbeatService, RecordingVIPController) {
        let vips = RecordingVIPController()
        let configuration = try HeartbeatServiceFixtures.configuration(
            name: name,
            priority: priority,
            interval: Self.interval,
            keyring: keyring,
            summaryInterval: .milliseconds(300)
        )
        let service = HeartbeatService(
            configuration: configuration,
            vipController: vips,
            eventLog: HAEventLog(node: name, path: log)
        )
        return (service, vips)
    }

    static func events(_ scratch: EventLogScratch, _ name: String) -> [HAEvent] {
        scratch.read(name).split(separator: "\n").compactMap { try? HAEvent(jsonLine: $0) }
    }

    /// A pair on loopback logs: started, the peer alive, the transitions with reasons, summaries with traffic;
    /// when one stops, it logs `stopped` and its peer logs the transition to ACTIVE and, after the dead window,
    /// peer_dead.
    @Test func pairWritesTheExpectedEvents() async throws {
        let scratch = EventLogScratch()
        defer { scratch.remove() }
        let (first, firstVIPs) = try makeService("lb-a", priority: 150, log: scratch.file("a.log"))
        let (second, secondVIPs) = try makeService("lb-b", priority: 100, log: scratch.file("b.log"))
        try await first.bind()
        try await second.bind()
        first.setPeers([try #require(second.localAddress)])
        second.setPeers([try #require(first.localAddress)])
        let firstRun = Task { try await first.run() }
        let secondRun = Task { try await second.run() }
        defer {
            firstRun.cancel()
            secondRun.cancel()
        }
        #expect(await firstVIPs.next(.claim, within: .seconds(5)))
        #expect(
            await eventually(within: .seconds(5)) {
                Self.events(scratch, "a.log").contains { $0.event == .summary && ($0.received ?? 0) > 0 }
            }
        )
        let a = Self.events(scratch, "a.log")
        #expect(a.first?.event == .started)
        #expect(a.first?.state == "INITIAL")
        #expect(a.allSatisfy { $0.node == "lb-a" })
        #expect(a.contains { $0.event == .peerAlive && $0.peer == "lb-b" })
        let toActive = try #require(a.first { $0.event == .transition && $0.to == "ACTIVE" })
        #expect(!(toActive.reason ?? "").isEmpty)
        let summary = try #require(a.first { $0.event == .summary && ($0.received ?? 0) > 0 })
        #expect((summary.sent ?? 0) > 0)
        #expect(summary.state == "ACTIVE" || summary.state == "STANDBY" || summary.state == "INITIAL")
        #expect(summary.peer == "lb-b")
        #expect(summary.windowMs ?? 0 >= 250)

        firstRun.cancel()
        _ = try? await firstRun.value
        #expect(Self.events(scratch, "a.log").last?.event == .stopped)
        #expect(await secondVIPs.next(.claim, within: .seconds(5)))
        #expect(
            await eventually(within: .seconds(5)) {
                Self.events(scratch, "b.log").contains { $0.event == .peerDead && $0.peer == "lb-a" }
            }
        )
        let b = Self.events(scratch, "b.log")
        let takeover = try #require(b.last { $0.event == .transition && $0.to == "ACTIVE" })
        #expect(takeover.from == "STANDBY")
        #expect(!(takeover.reason ?? "").isEmpty)
        let dead = try #require(b.first { $0.event == .peerDead })
        #expect((dead.silentMs ?? 0) >= 150)
        secondRun.cancel()
        _ = try? await secondRun.value
    }

    /// Rejections are rate-limited through RateLimitedLog: 10 lines a minute, then the next window's first
    /// line says how many were left out.
    @Test func rejectionsAreRateLimited() throws {
        let scratch = EventLogScratch()
        defer { scratch.remove() }
        let start = ContinuousClock.now
        let recorder = HeartbeatEventRecorder(
            log: HAEventLog(node: "lb-a", path: scratch.file("ha.log")),
            interval: Self.interval,
            deadWindow: Self.interval * 3,
            start: start
        )
        for index in 0..<15 { recorder.rejected(.badMAC, at: start.advanced(by: .milliseconds(index))) }
        recorder.rejected(.replay, at: start.advanced(by: .seconds(61)))
        let lines = Self.events(scratch, "ha.log")
        #expect(lines.count == 11)
        #expect(lines.prefix(10).allSatisfy { $0.event == .rejected && $0.reason == "badMAC" && $0.suppressed == 0 })
        #expect(lines.last?.reason == "replay")
        #expect(lines.last?.suppressed == 5)
        recorder.summarize(at: start.advanced(by: .seconds(62)), state: .standby, peerState: nil)
        let summary = try #require(Self.events(scratch, "ha.log").last)
        #expect(summary.rejected == 16)
        #expect(summary.peer == nil && summary.peerState == nil)
    }
}
