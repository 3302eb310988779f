import TandemControl
import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite("tandem probe's report and lines")
struct ProbeReportTests {
    func report(_ pattern: String, keepAlive: Bool = false) -> ProbeReport {
        ProbeReport(
            probe: "http://198.18.0.100/",
            keepAlive: keepAlive,
            interval: .milliseconds(10),
            timeout: .milliseconds(200),
            results: ProbeOutageTests().results(pattern),
            connections: 3
        )
    }

    @Test func countsAndOutages() {
        let report = report("..xxx..x..")
        #expect(report.probes == 10)
        #expect(report.succeeded == 6)
        #expect(report.failed == 4)
        #expect(report.failures == ["refused": 4])
        #expect(report.outageMs == 30)
        #expect(report.failureRuns == 2)
        #expect(
            report.outages == [
                ProbeReport.Outage(atMs: 20, outageMs: 30, failed: 3),
                ProbeReport.Outage(atMs: 70, outageMs: 10, failed: 1),
            ]
        )
        #expect(report.upAtEnd)
        #expect(report.intervalMs == 10 && report.timeoutMs == 200)
    }

    @Test func downAtTheEnd() {
        let report = report("...xx")
        #expect(!report.upAtEnd)
        #expect(report.outageMs == nil)
        #expect(report.outages == [ProbeReport.Outage(atMs: 30, outageMs: nil, failed: 2)])
        #expect(report.text().contains("from +0.0 s on, not back by the end (2 failed)"))
        #expect(report.text().contains("NOT answering"))
        #expect(!self.report("").upAtEnd)
    }

    @Test func text() {
        let text = report("..xxx..x..", keepAlive: true).text(listed: 1)
        #expect(
            text == """
                probe        http://198.18.0.100/ every 10.0 ms, timeout 200.0 ms, one keep-alive connection \
                (a new one after a failure)
                probes       10 sent, 6 ok, 4 failed (refused 4)
                connections  3
                outages      2: 30.0 ms at +0.0 s (3 failed); 1 more
                end          answering
                """
        )
        #expect(report("....").text().contains("outages      none"))
    }

    @Test func json() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(report(".x."))
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""outageMs":10"#))
        #expect(text.contains(#""outages":[{"atMs":10,"failed":1,"outageMs":10}]"#))
        #expect(text.contains(#""upAtEnd":true"#))
        #expect(try JSONDecoder().decode(ProbeReport.self, from: data) == report(".x."))
    }

    /// `--lines`: every key on every line, times on CLOCK_MONOTONIC to the microsecond.
    @Test func lines() {
        let failed = ProbeResult(
            sentAt: .milliseconds(1500),
            endedAt: .microseconds(1_700_000),
            status: nil,
            failure: "timeout"
        )
        #expect(
            ProbeLine(failed, monotonicStart: .seconds(1000) + .nanoseconds(123_456_789)).json()
                == #"{"connection":null,"ended":1001.823457,"failure":"timeout","sent":1001.623457,"status":null}"#
        )
        let answered = ProbeResult(
            sentAt: .zero,
            endedAt: .milliseconds(2),
            status: 200,
            failure: nil,
            connection: 2
        )
        #expect(
            ProbeLine(answered, monotonicStart: .seconds(7)).json()
                == #"{"connection":2,"ended":7.002,"failure":null,"sent":7,"status":200}"#
        )
    }
}
