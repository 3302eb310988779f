import TandemControl
import Testing

@Suite("Drill outage")
struct ProbeOutageTests {
    /// Probes every 10 ms; `pattern` has one character per probe: `.` ok, `x` failed.
    func results(_ pattern: String) -> [ProbeResult] {
        pattern.enumerated().map { index, mark in
            let sent = Duration.milliseconds(index * 10)
            return ProbeResult(
                sentAt: sent,
                endedAt: sent + .milliseconds(2),
                status: mark == "." ? 200 : nil,
                failure: mark == "." ? nil : "refused"
            )
        }
    }

    @Test func noFailureIsNoOutage() {
        let outage = ProbeOutage(results("....."))
        #expect(outage.duration == .zero)
        #expect(outage.failureRuns == 0)
    }

    @Test func outageRunsFromTheFirstFailureToTheNextSuccess() {
        let outage = ProbeOutage(results("..xxx...").shuffled())
        #expect(outage.firstFailure == .milliseconds(20))
        #expect(outage.recovery == .milliseconds(50))
        #expect(outage.duration == .milliseconds(30))
        #expect(outage.failureRuns == 1)
    }

    @Test func laterBlipsAreCountedButDoNotExtendTheFirstOutage() {
        let outage = ProbeOutage(results(".xx..x.."))
        #expect(outage.duration == .milliseconds(20))
        #expect(outage.failureRuns == 2)
    }

    @Test func aServiceThatNeverCameBackHasNoDuration() {
        let outage = ProbeOutage(results("..xxxx"))
        #expect(outage.duration == nil)
    }

    @Test func probeURLs() throws {
        let target = try ProbeTarget(url: "http://127.0.0.1:8080/healthz")
        #expect(target.address.port == 8080)
        #expect(target.path == "/healthz")
        #expect(try ProbeTarget(url: "http://127.0.0.1").path == "/")
        #expect(try ProbeTarget(url: "http://[::1]:81/").address.port == 81)
        #expect(throws: ProbeTargetError.self) { try ProbeTarget(url: "https://127.0.0.1/") }
        #expect(throws: ProbeTargetError.self) { try ProbeTarget(url: "http://127.0.0.1:99999/") }
    }
}

@Suite("Probe disruptions")
struct ProbeDisruptionTests {
    func results(_ pattern: String) -> [ProbeResult] {
        ProbeOutageTests().results(pattern)
    }

    @Test func everyRunOfFailuresIsOneDisruption() {
        let runs = ProbeOutage.disruptions(results(".xx..x...xxxx.").shuffled())
        #expect(
            runs == [
                ProbeDisruption(
                    firstFailure: .milliseconds(10),
                    lastFailure: .milliseconds(20),
                    failed: 2,
                    recovery: .milliseconds(30)
                ),
                ProbeDisruption(
                    firstFailure: .milliseconds(50),
                    lastFailure: .milliseconds(50),
                    failed: 1,
                    recovery: .milliseconds(60)
                ),
                ProbeDisruption(
                    firstFailure: .milliseconds(90),
                    lastFailure: .milliseconds(120),
                    failed: 4,
                    recovery: .milliseconds(130)
                ),
            ]
        )
        #expect(runs.map(\.duration) == [.milliseconds(20), .milliseconds(10), .milliseconds(40)])
    }

    @Test func aRunAtTheEndHasNoRecovery() {
        let runs = ProbeOutage.disruptions(results("..xx"))
        #expect(runs.count == 1)
        #expect(runs[0].recovery == nil)
        #expect(runs[0].duration == nil)
        #expect(ProbeOutage.disruptions(results("....")).isEmpty)
        #expect(ProbeOutage.disruptions([]).isEmpty)
    }

    @Test func theOutageIsTheFirstDisruption() {
        let probes = results("x..xxx.")
        let outage = ProbeOutage(probes)
        let first = ProbeOutage.disruptions(probes)[0]
        #expect(outage.firstFailure == first.firstFailure)
        #expect(outage.recovery == first.recovery)
        #expect(outage.failureRuns == 2)
    }
}
