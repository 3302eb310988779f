import Testing

@testable import TandemHA

#if canImport(Glibc)
import Glibc
#endif

@Suite("Heartbeat log: the writer")
struct EventLogWriterTests {
    static func event(_ reason: String) -> HAEvent {
        .transition(from: .standby, to: .active, reason: reason, node: "lb-a")
    }

    static func events(in text: String) throws -> [HAEvent] {
        try text.split(separator: "\n").map { try HAEvent(jsonLine: $0) }
    }

    /// Lines are appended after what the file already holds, one complete JSON line per event.
    @Test func appendsLines() throws {
        let scratch = EventLogScratch()
        defer { scratch.remove() }
        scratch.append("{\"earlier\":true}\n", to: "ha.log")
        let log = HAEventLog(node: "lb-a", path: scratch.file("ha.log"))
        log.record(Self.event("one"))
        log.write(Self.event("two"))
        let lines = scratch.read("ha.log").split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.first == "{\"earlier\":true}")
        #expect(try lines.dropFirst().map { try HAEvent(jsonLine: $0).reason } == ["one", "two"])
    }

    /// logrotate renames the file; until the reopen lines still go to the renamed file, after it to a new file
    /// at the configured path.
    @Test func reopenAfterRenameCreatesANewFile() throws {
        let scratch = EventLogScratch()
        defer { scratch.remove() }
        let log = HAEventLog(node: "lb-a", path: scratch.file("ha.log"))
        log.record(Self.event("before"))
        scratch.rename("ha.log", to: "ha.log.1")
        log.record(Self.event("between"))
        #expect(scratch.read("ha.log") == "")
        log.reopen()
        log.record(Self.event("after"))
        #expect(try Self.events(in: scratch.read("ha.log.1")).map(\.reason) == ["before", "between"])
        #expect(try Self.events(in: scratch.read("ha.log")).map(\.reason) == ["after"])
    }

    /// A path that cannot be opened (no such directory) costs nothing but a report: recording goes on, and a
    /// reopen once the directory exists starts writing.
    @Test func unwritablePathIsNotFatal() throws {
        let scratch = EventLogScratch()
        defer { scratch.remove() }
        let path = scratch.file("missing/ha.log")
        let log = HAEventLog(node: "lb-a", path: path)
        for index in 0..<3 { log.record(Self.event("lost \(index)")) }
        #expect(mkdir(scratch.file("missing"), 0o700) == 0)
        log.reopen()
        log.record(Self.event("kept"))
        #expect(try Self.events(in: scratch.read("missing/ha.log")).map(\.reason) == ["kept"])
        unlink(path)
        rmdir(scratch.file("missing"))
    }

    /// Without a path nothing is written anywhere and nothing fails.
    @Test func noPathWritesNothing() {
        let log = HAEventLog(node: "lb-a", path: nil)
        log.record(Self.event("stderr only"))
        log.reopen()
        #expect(log.path == nil)
    }

    /// Lines written from many threads at once never interleave.
    @Test func concurrentLinesStayWhole() async throws {
        let scratch = EventLogScratch()
        defer { scratch.remove() }
        let log = HAEventLog(node: "lb-a", path: scratch.file("ha.log"))
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for index in 0..<50 {
                        log.write(Self.event(String(repeating: "x", count: 500) + "\(task)-\(index)"))
                    }
                }
            }
        }
        let events = try Self.events(in: scratch.read("ha.log"))
        #expect(events.count == 400)
        #expect(Set(events.compactMap(\.reason)).count == 400)
    }
}
