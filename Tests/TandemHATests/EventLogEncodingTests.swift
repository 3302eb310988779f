import Testing

@testable import TandemHA

@Suite("Heartbeat log: the JSON line format")
struct EventLogEncodingTests {
    static let time = EventTimestamp(millisecondsSinceEpoch: 1_795_975_403_123)

    /// A transition is one JSON object with time, node and event first, and decodes back to the same event.
    @Test func transitionRoundTrips() throws {
        let event = HAEvent.transition(
            from: .standby,
            to: .active,
            reason: "peer dead: no valid heartbeat for \"0.3 seconds\"\nreally",
            node: "lb-b",
            at: Self.time
        )
        let line = event.jsonLine
        #expect(
            line == #"{"time":"2026-11-29T18:03:23.123Z","node":"lb-b","event":"transition","from":"STANDBY","#
                + #""to":"ACTIVE","reason":"peer dead: no valid heartbeat for \"0.3 seconds\"\nreally"}"#
        )
        #expect(!line.contains("\n"))
        #expect(try HAEvent(jsonLine: line) == event)
    }

    /// A VIP claim carries its steps with durations and details; a failure carries ok false and the error.
    @Test func vipEventsRoundTrip() throws {
        let claim = HAEvent.vip(
            .vipClaim,
            vip: "198.18.0.100/24",
            interface: "eth0",
            total: .microseconds(612),
            steps: [
                .init(step: "netlink-add", ms: 0.402, detail: "added"),
                .init(step: "garp", ms: 0.05, detail: "3 over 100 ms"),
            ],
            node: "lb-a",
            at: Self.time
        )
        #expect(
            claim.jsonLine.hasSuffix(
                #""vip":"198.18.0.100/24","interface":"eth0","ok":true,"total_ms":0.612,"steps":[{"step":"#
                    + #""netlink-add","ms":0.402,"detail":"added"},{"step":"garp","ms":0.05,"detail":"3 over 100 ms"}]}"#
            )
        )
        #expect(try HAEvent(jsonLine: claim.jsonLine) == claim)
        let failed = HAEvent.vip(
            .vipRelease,
            vip: "198.18.0.100/24",
            interface: "eth0",
            total: .milliseconds(2),
            steps: [],
            error: "no connection to the VIP helper",
            node: "lb-a",
            at: Self.time
        )
        let decoded = try HAEvent(jsonLine: failed.jsonLine)
        #expect(decoded.ok == false)
        #expect(decoded.error == "no connection to the VIP helper")
        #expect(decoded == failed)
    }

    /// A summary keeps its numbers (three decimals) and leaves absent statistics out.
    @Test func summaryRoundTripsAndOmitsAbsentFields() throws {
        var event = HAEvent(time: Self.time, node: "lb-a", event: .summary)
        event.sent = 100
        event.received = 98
        event.expected = 100
        event.lost = 2
        event.lossPercent = 2
        event.rttP50Ms = 0.1234
        event.state = "ACTIVE"
        let line = event.jsonLine
        #expect(line.contains(#""lost":2,"loss_percent":2,"rtt_p50_ms":0.123,"state":"ACTIVE""#))
        #expect(!line.contains("rtt_p99_ms"))
        #expect(!line.contains("null"))
        let decoded = try HAEvent(jsonLine: line)
        #expect(decoded.rttP50Ms == 0.123)
        #expect(decoded.rttP99Ms == nil)
        #expect(decoded.lost == 2)
    }

    /// Numbers are written with at most three decimals and no exponent.
    @Test func numbers() {
        #expect(HAEvent.number(0.402) == "0.402")
        #expect(HAEvent.number(12) == "12")
        #expect(HAEvent.number(0.0004) == "0")
        #expect(HAEvent.number(-1.5) == "-1.5")
        #expect(HAEvent.number(1e9) == "1000000000")
        #expect(HAEvent.number(.nan) == "0")
        #expect(HAEvent.milliseconds(.microseconds(1500)) == 1.5)
    }

    /// Times are RFC 3339 UTC with milliseconds; other RFC 3339 spellings are read, nonsense is not.
    @Test func timestamps() throws {
        #expect(Self.time.description == "2026-11-29T18:03:23.123Z")
        #expect(EventTimestamp(rfc3339: "2026-11-29T18:03:23.123Z") == Self.time)
        #expect(EventTimestamp(rfc3339: "2026-11-29T19:03:23.123+01:00") == Self.time)
        #expect(EventTimestamp(rfc3339: "2026-11-29T18:03:23.1234567Z") == Self.time)
        #expect(EventTimestamp(rfc3339: "2026-11-29T18:03:23Z")?.millisecondsSinceEpoch == 1_795_975_403_000)
        #expect(EventTimestamp(rfc3339: "2026-11-29T18:03:23.5Z")?.millisecondsSinceEpoch == 1_795_975_403_500)
        #expect(EventTimestamp(rfc3339: "1970-01-01T00:00:00.000Z")?.millisecondsSinceEpoch == 0)
        for bad in [
            "", "yesterday", "2026-11-29", "2026-13-29T18:03:23Z", "2026-11-29T18:03:23", "2026-11-29T18:03:23.Z",
        ] {
            #expect(EventTimestamp(rfc3339: bad) == nil, "\(bad)")
        }
        #expect(Self.time.advanced(by: .seconds(-600)).description == "2026-11-29T17:53:23.123Z")
    }

    /// Lines that are not events of this schema do not decode.
    @Test func rejectsOtherJSON() {
        for line in [
            #"{"node":"a","event":"summary"}"#, #"{"time":"2026-11-29T18:03:23.123Z","node":"a","event":"nope"}"#, "[]",
            "{",
        ] {
            #expect(throws: (any Error).self) { try HAEvent(jsonLine: line) }
        }
    }
}
