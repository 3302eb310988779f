import Dispatch
import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
import TandemConfig
import Testing

@testable import TandemProxy

/// The access log's buffer and writer without a proxy: lines reach the output in batches, a stalled writer makes
/// the buffer drop and count lines instead of growing, a failing disk loses and counts them, and a reopen sends
/// the next lines to the new file.
@Suite("Access log buffer", .timeLimit(.minutes(1)))
struct AccessLogBufferTests {
    /// An output that records what it is given and, while `blocked`, holds the writer inside `write` (a disk that
    /// does not answer); with `failing` set every write fails as a full disk does.
    final class GatedOutput: AccessLogOutput {
        let bytes = Mutex<[UInt8]>([])
        let writesEntered = Atomic<Int>(0)
        let blocked = Atomic<Bool>(false)
        let failing = Atomic<Bool>(false)
        private let gate = DispatchSemaphore(value: 0)

        func write(_ bytes: UnsafeRawBufferPointer) -> (written: Int, error: String?) {
            writesEntered.add(1, ordering: .relaxed)
            // Bounded: a test that forgets to open the gate fails on its time limit, not here.
            if blocked.load(ordering: .relaxed) { _ = gate.wait(timeout: .now() + .seconds(30)) }
            if failing.load(ordering: .relaxed) { return (0, "No space left on device") }
            self.bytes.withLock { $0.append(contentsOf: bytes) }
            return (bytes.count, nil)
        }

        func reopen() -> String? { nil }
        func close() {}

        func open() {
            blocked.store(false, ordering: .relaxed)
            gate.signal()
        }

        var lines: [String] {
            bytes.withLock { String(decoding: $0, as: UTF8.self) }.split(separator: "\n").map(String.init)
        }
    }

    static func record(_ index: Int) -> AccessLogRecord {
        var record = AccessLogRecord(started: .uptimeNanoseconds(1_000_000), clientIP: "192.0.2.7", clientPort: index)
        record.request = .received(ByteBuffer(string: "GET /\(index) HTTP/1.1"))
        _ = record.end(.clientClosed, now: .uptimeNanoseconds(2_000_000))
        return record
    }

    static func log(
        _ output: any AccessLogOutput,
        path: String = "/test",
        capacity: Int = 64 * 1024,
        flushInterval: TimeAmount = .milliseconds(10)
    ) -> AccessLog {
        AccessLog(
            frontend: "web",
            format: .text,
            output: output,
            path: path,
            eventLoops: [],
            capacity: capacity,
            flushInterval: flushInterval,
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        )
    }

    /// Lines reach the output in order, all of them, and `close` writes what is still buffered.
    @Test func linesReachTheOutputInOrder() async throws {
        let output = GatedOutput()
        let log = Self.log(output, flushInterval: .seconds(10))
        log.start()
        for index in 0..<100 { log.log(Self.record(index), on: nil) }
        await log.close()
        let lines = output.lines
        #expect(lines.count == 100)
        #expect(lines.enumerated().allSatisfy { $1.contains("192.0.2.7:\($0) ") })
        #expect(log.statistics.linesWritten == 100)
        #expect(log.statistics.linesDropped == 0)
        log.log(Self.record(100), on: nil)
        #expect(log.statistics.linesDropped == 1, "a line after close is dropped and counted")
    }

    /// The writer sleeps while nothing comes and wakes for the next line, without waiting for a close.
    @Test func aLineWakesTheWriter() async throws {
        let output = GatedOutput()
        let log = Self.log(output)
        log.start()
        log.log(Self.record(1), on: nil)
        #expect(await eventually { output.lines.count == 1 })
        try await Task.sleep(for: .milliseconds(50))
        log.log(Self.record(2), on: nil)
        #expect(await eventually { output.lines.count == 2 })
        await log.close()
    }

    /// While the writer is stuck in a write, the buffer fills to its capacity and further lines are dropped and
    /// counted; nothing waits. Once the write returns, every line that was kept is written.
    @Test func aStalledWriterDropsAndCounts() async throws {
        let output = GatedOutput()
        output.blocked.store(true, ordering: .relaxed)
        let log = Self.log(output)
        log.start()
        log.log(Self.record(0), on: nil)
        #expect(await eventually { output.writesEntered.load(ordering: .relaxed) == 1 })
        let started = ContinuousClock.now
        for index in 1...2000 { log.log(Self.record(index), on: nil) }
        #expect(ContinuousClock.now - started < .seconds(1), "logging never waits for the writer")
        let dropped = log.statistics.linesDropped
        #expect(dropped > 1000)
        #expect(dropped < 2000)
        output.open()
        await log.close()
        let statistics = log.statistics
        #expect(statistics.linesWritten == 2001 - dropped)
        #expect(output.lines.count == 2001 - dropped)
        #expect(statistics.linesDropped == dropped)
    }

    /// A full disk: the batch is lost and counted, the next batch is written once the disk has room again.
    @Test func aFailedWriteLosesItsBatch() async throws {
        let output = GatedOutput()
        output.failing.store(true, ordering: .relaxed)
        let log = Self.log(output)
        log.start()
        for index in 0..<3 { log.log(Self.record(index), on: nil) }
        #expect(await eventually { log.statistics.linesLost == 3 })
        #expect(log.statistics.writeErrors >= 1)
        output.failing.store(false, ordering: .relaxed)
        log.log(Self.record(3), on: nil)
        await log.close()
        #expect(output.lines.count == 1)
        #expect(log.statistics.linesWritten == 1)
    }

    /// Rename the file, reopen: lines logged after the reopen went through land in a new file at the path.
    @Test func aReopenStartsANewFile() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-al-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/access.log"
        let log = Self.log(try AccessLogFile(path: path), path: path)
        log.start()
        log.log(Self.record(1), on: nil)
        #expect(await eventually { Self.lines(path).count == 1 })
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        log.reopen()
        #expect(await eventually { log.statistics.reopens == 1 })
        log.log(Self.record(2), on: nil)
        #expect(await eventually { Self.lines(path).count == 1 })
        await log.close()
        #expect(Self.lines(path + ".1").count == 1)
        #expect(Self.lines(path + ".1").first?.contains("192.0.2.7:1 ") == true)
        #expect(Self.lines(path).first?.contains("192.0.2.7:2 ") == true)
    }

    /// `tandem check`: a missing directory is a problem, a file that does not exist yet is not.
    @Test func checkingAPath() throws {
        #expect(AccessLog.problem(opening: "/nonexistent-tandem-dir/access.log") != nil)
        #expect(AccessLog.problem(opening: FileManager.default.temporaryDirectory.path + "/no-such-file.log") == nil)
        #expect(AccessLog.problem(opening: FileManager.default.temporaryDirectory.path) != nil)
    }

    static func lines(_ path: String) -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map(String.init)
    }
}
