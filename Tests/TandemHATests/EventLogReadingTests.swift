import Testing

@testable import TandemHA

#if canImport(Glibc)
import Glibc
#endif

@Suite("Heartbeat log: reading it back (`tandem logs`)")
struct EventLogReadingTests {
    static let time = EventTimestamp(millisecondsSinceEpoch: 1_795_975_403_123)

    static func line(_ reason: String, node: String = "lb-a") -> String {
        HAEvent.transition(from: .standby, to: .active, reason: reason, node: node, at: time).jsonLine
    }

    /// `--since` takes a whole number and one unit of s, m, h or d; anything else is refused.
    @Test func sinceParsing() {
        #expect(Duration(logAge: "30s") == .seconds(30))
        #expect(Duration(logAge: "10m") == .seconds(600))
        #expect(Duration(logAge: "2h") == .seconds(7200))
        #expect(Duration(logAge: "1d") == .seconds(86_400))
        for bad in ["", "10", "m", "0s", "-5m", "+5m", "1.5h", "10x", "10 m", "5ms", "99999999999999999d"] {
            #expect(Duration(logAge: bad) == nil, "\(bad)")
        }
    }

    /// Malformed lines (not JSON, wrong schema, half a line) are skipped and counted; good ones around them
    /// are kept; blank lines are neither.
    @Test func malformedLinesAreSkipped() {
        var reader = HAEventLineReader()
        let text =
            [Self.line("one"), "not json", "", #"{"time":"x","node":"a","event":"transition"}"#, Self.line("two")]
            .joined(separator: "\n") + "\n" + #"{"time":"2026-"#
        let lines = reader.feed(Array(text.utf8))
        #expect(lines.map(\.event.reason) == ["one", "two"])
        #expect(lines.first?.text == Self.line("one"))
        #expect(reader.malformed == 2)
        #expect(reader.finish().isEmpty)
        #expect(reader.malformed == 3)
    }

    /// A line split across two reads (a writer caught mid-line) is decoded once it is complete.
    @Test func partialLinesWaitForTheirEnd() {
        var reader = HAEventLineReader()
        let bytes = Array((Self.line("split") + "\n").utf8)
        #expect(reader.feed(bytes[..<17]).isEmpty)
        #expect(reader.feed(bytes[17...]).map(\.event.reason) == ["split"])
        #expect(reader.malformed == 0)
    }

    /// Columns line up whatever the node name and event length: the details start at the same column, and the
    /// time is local with milliseconds.
    @Test func tableColumnsAlign() throws {
        var summary = HAEvent(time: Self.time, node: "lb-b-long-name", event: .summary)
        summary.sent = 10
        let events = [
            try HAEvent(jsonLine: Self.line("peer dead")),
            HAEvent.peer("lb-a", alive: true, node: "lb-b-long-name", at: Self.time),
            summary,
        ]
        let table = HAEventTable(nodes: events.map(\.node), highlight: false)
        let rows = [table.header] + events.map(table.row)
        let offset = 23 + 2 + table.nodeWidth + 2 + HAEventTable.eventWidth + 2
        #expect(String(decoding: Array(table.header.utf8)[(offset - 2)...], as: UTF8.self) == "  DETAILS")
        for row in rows.dropFirst() {
            let bytes = Array(row.utf8)
            #expect(bytes[offset - 2..<offset] == [0x20, 0x20] && bytes[offset] != 0x20, "\(rows)")
        }
        #expect(rows[1].hasPrefix(Self.time.localDescription + "  lb-a "))
        #expect(rows[1].hasSuffix("STANDBY -> ACTIVE: peer dead"))
        #expect(rows[2].hasSuffix("peer lb-a alive"))
        #expect(Self.time.localDescription.count == 23)
        #expect(!rows.joined().contains("\u{1B}"))
    }

    /// On a terminal a transition is bold and coloured by its new state; other events stay plain.
    @Test func transitionsHighlighted() throws {
        let table = HAEventTable(nodes: ["lb-a"], highlight: true)
        let active = table.row(try HAEvent(jsonLine: Self.line("x")))
        #expect(active.hasPrefix("\u{1B}[1;32m") && active.hasSuffix("\u{1B}[0m"))
        let fault = table.row(.transition(from: .active, to: .fault, reason: "gateway", node: "lb-a"))
        #expect(fault.hasPrefix("\u{1B}[1;31m"))
        #expect(!table.row(.peer("lb-b", alive: true, node: "lb-a")).contains("\u{1B}"))
    }

    /// The follower reads what is appended, then after a rename + new file (logrotate) continues with the new
    /// file from its start; after a truncation (copytruncate) it starts over.
    @Test func followsRotation() throws {
        let scratch = EventLogScratch()
        defer { scratch.remove() }
        scratch.append(Self.line("one") + "\n", to: "ha.log")
        let file = try EventLogFile(path: scratch.file("ha.log"))
        var reader = HAEventLineReader()
        #expect(reader.feed(file.readAvailable()).map(\.event.reason) == ["one"])
        #expect(file.readAvailable().isEmpty)
        #expect(!file.followRotation())
        scratch.append(Self.line("two") + "\n", to: "ha.log")
        #expect(reader.feed(file.readAvailable()).map(\.event.reason) == ["two"])

        scratch.rename("ha.log", to: "ha.log.1")
        #expect(!file.followRotation())
        scratch.append(Self.line("three") + "\n", to: "ha.log")
        #expect(file.followRotation())
        #expect(reader.feed(file.readAvailable()).map(\.event.reason) == ["three"])

        #expect(truncate(scratch.file("ha.log"), 0) == 0)
        scratch.append(Self.line("4") + "\n", to: "ha.log")
        #expect(file.followRotation())
        #expect(reader.feed(file.readAvailable()).map(\.event.reason) == ["4"])
    }

    /// A missing file is an error naming the path.
    @Test func missingFile() {
        #expect(throws: EventLogFile.OpenError.self) { try EventLogFile(path: "/nonexistent/tandem/ha.log") }
        do {
            _ = try EventLogFile(path: "/nonexistent/tandem/ha.log")
        } catch {
            #expect(error.description.contains("/nonexistent/tandem/ha.log"))
        }
    }
}
