import Dispatch
import Logging
import NIOCore
import NIOPosix
import Synchronization
import TandemConfig

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A frontend's access log: event loops hand it one record per request or tunnel, and one writer thread appends
/// the lines to the file, so no event loop ever waits for a disk.
///
/// Guarantees, and why:
/// - **No blocking on the event loop.** A record is formatted straight into a bounded in-memory buffer, one per
///   event loop, under that buffer's lock (held for the formatting only, a microsecond; the writer takes it only
///   to swap buffers). No allocation, no system call, no task per line.
/// - **Bounded.** A buffer holds at most `capacity` bytes. When it is full (the disk is full or slow, the writer
///   stalled) the line is dropped and counted (``Statistics/linesDropped``): traffic never waits for the log.
/// - **Batched.** The writer sleeps until a line arrives, then lets lines gather for `flushInterval` (less when a
///   buffer fills past a quarter) and writes each buffer in one `write(2)`: a few system calls per second at any
///   rate, nothing while idle. A line reaches the file within about `flushInterval`.
/// - **Whole lines.** A batch holds whole lines and the file is opened with `O_APPEND`, so frontends may share a
///   file. A failed write (`ENOSPC`) loses that batch's unwritten lines, counts them (``Statistics/linesLost``)
///   and is reported once on the daemon's log until writes succeed again.
/// - **Rotation.** ``reopen()`` (SIGHUP, after logrotate renamed the file) makes the writer open the path afresh
///   before its next batch, so every line buffered after the call goes to the new file; if the path cannot be
///   opened the old file stays in use.
/// - **Shutdown.** ``close()`` writes what is buffered and stops the writer; lines after it are dropped and counted.
public final class AccessLog: Sendable {
    /// What the log did so far, for status and metrics.
    public struct Statistics: Sendable, Equatable {
        public var path: String
        public var linesWritten: Int
        public var bytesWritten: Int
        /// Lines dropped because their buffer was full (or the log closed).
        public var linesDropped: Int
        /// Lines lost to failed writes.
        public var linesLost: Int
        public var writeErrors: Int
        public var reopens: Int
        public var reopenFailures: Int
    }

    public let path: String
    /// The most bytes one event loop's buffer holds before lines are dropped.
    let capacity: Int
    let flushInterval: TimeAmount
    private let logger: Logger
    private let shards: [Shard]
    private let shardOfLoop: [ObjectIdentifier: Int]
    /// The output until the writer takes it.
    private let output: Mutex<(any AccessLogOutput)?>
    private let control = Mutex(Control())
    private let writer = Mutex<NIOThreadPool?>(nil)
    /// Whether the writer sleeps, and for what (``Wake``): appenders signal `wakeUp` only when it waits for them.
    private let wake = Atomic<UInt8>(Wake.awake)
    private let wakeUp = DispatchSemaphore(value: 0)
    private let counters = Counters()

    /// Lines in memory: one buffer per event loop and one spare for each, swapped when the writer takes a batch.
    /// Raw memory, so a line is formatted with one bounds check per field and no growth or copy-on-write checks.
    /// Owned by one side at a time: the shard's lock holder, or the writer once it swapped the buffer out.
    private final class Buffer: @unchecked Sendable {
        let base: UnsafeMutableRawPointer
        let capacity: Int
        var count = 0
        var lines = 0

        init(capacity: Int) {
            self.base = .allocate(byteCount: capacity, alignment: 16)
            self.capacity = capacity
        }

        deinit { base.deallocate() }

        var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
    }

    private final class Shard: Sendable {
        struct State {
            var buffer: Buffer
            var dropped = 0
            var closed = false
            var formatter: AccessLogFormatter
        }

        let state: Mutex<State>

        init(formatter: AccessLogFormatter, capacity: Int) {
            self.state = Mutex(State(buffer: Buffer(capacity: capacity), formatter: formatter))
        }
    }

    private struct Control {
        var reopenRequested = false
        var closing = false
    }

    private final class Counters: Sendable {
        let linesWritten = Atomic<Int>(0)
        let bytesWritten = Atomic<Int>(0)
        let linesLost = Atomic<Int>(0)
        let writeErrors = Atomic<Int>(0)
        let reopens = Atomic<Int>(0)
        let reopenFailures = Atomic<Int>(0)
    }

    /// The writer's sleep: `awake` (writing, or not started), `idle` (until any line), `lingering` (letting lines
    /// gather; only a filling buffer wakes it early).
    private enum Wake {
        static let awake: UInt8 = 0
        static let idle: UInt8 = 1
        static let lingering: UInt8 = 2
    }

    /// Opens the file of `settings` for `frontend`, with one buffer per loop of `eventLoops`; the writer starts
    /// with ``start()``.
    /// - Throws: ``AccessLogFile/OpenError`` naming the file and the reason.
    public convenience init(
        frontend: String,
        settings: AccessLogSettings,
        eventLoops: [any EventLoop],
        logger: Logger
    ) throws {
        self.init(
            frontend: frontend,
            format: settings.format,
            output: try AccessLogFile(path: settings.path),
            path: settings.path,
            eventLoops: eventLoops,
            capacity: max(256 * 1024, (8 << 20) / max(1, eventLoops.count)),
            flushInterval: .milliseconds(50),
            logger: logger
        )
    }

    init(
        frontend: String,
        format: AccessLogSettings.Format,
        output: any AccessLogOutput,
        path: String,
        eventLoops: [any EventLoop],
        capacity: Int,
        flushInterval: TimeAmount,
        logger: Logger
    ) {
        precondition(capacity > AccessLogFormatter.maxLineBytes, "an access log buffer must hold a line")
        self.path = path
        self.capacity = capacity
        self.flushInterval = flushInterval
        self.logger = logger
        self.output = Mutex(output)
        let formatter = AccessLogFormatter(format: format, frontend: frontend)
        self.shards = (0..<max(1, eventLoops.count)).map { _ in Shard(formatter: formatter, capacity: capacity) }
        var shardOfLoop: [ObjectIdentifier: Int] = [:]
        for (index, loop) in eventLoops.enumerated() { shardOfLoop[ObjectIdentifier(loop)] = index }
        self.shardOfLoop = shardOfLoop
    }

    // MARK: Event loops

    /// Formats `record` into the buffer of `eventLoop` (the first buffer for a loop it does not know), or drops it
    /// when that buffer is full.
    func log(_ record: AccessLogRecord, on eventLoop: (any EventLoop)?) {
        let shard = shards[eventLoop.flatMap { shardOfLoop[ObjectIdentifier($0)] } ?? 0]
        // The line shows when the request began, on the wall clock: now, less how long it took.
        let elapsed = (record.ended ?? record.started) - record.started
        let startedAt = (Self.wallClockNanoseconds() - elapsed.nanoseconds) / 1_000_000
        let buffered = shard.state.withLock { state -> Int in
            let buffer = state.buffer
            guard !state.closed, buffer.count + AccessLogFormatter.maxLineBytes <= buffer.capacity else {
                state.dropped += 1
                return 0
            }
            var writer = AccessLogLineWriter(base: buffer.base, capacity: buffer.capacity, count: buffer.count)
            state.formatter.append(record, startedAt: startedAt, to: &writer)
            buffer.count = writer.count
            buffer.lines += 1
            return buffer.count
        }
        guard buffered > 0 else { return }
        switch wake.load(ordering: .acquiring) {
        case Wake.idle:
            if wake.compareExchange(expected: Wake.idle, desired: Wake.awake, ordering: .acquiringAndReleasing)
                .exchanged
            {
                wakeUp.signal()
            }
        case Wake.lingering where buffered >= capacity / 4:
            if wake.compareExchange(expected: Wake.lingering, desired: Wake.awake, ordering: .acquiringAndReleasing)
                .exchanged
            {
                wakeUp.signal()
            }
        default:
            break
        }
    }

    // MARK: Control

    /// What would keep the daemon from opening `path`, without creating it: for `tandem check`.
    public static func problem(opening path: String) -> String? {
        AccessLogFile.problem(opening: path)
    }

    /// Starts the writer thread (once).
    public func start() {
        let pool = writer.withLock { writer -> NIOThreadPool? in
            guard writer == nil else { return nil }
            let pool = NIOThreadPool(numberOfThreads: 1)
            pool.start()
            writer = pool
            return pool
        }
        pool?.submit { [self] _ in runWriter() }
    }

    /// Asks the writer to open the path again before its next batch (logrotate renamed the file); returns at once.
    /// ``Statistics/reopens`` or ``Statistics/reopenFailures`` counts it when done.
    public func reopen() {
        control.withLock { $0.reopenRequested = true }
        kick()
    }

    /// Writes what is buffered, closes the file and stops the writer.
    public func close() async {
        control.withLock { $0.closing = true }
        kick()
        if let pool = writer.withLock({ $0 }) {
            try? await pool.shutdownGracefully()
        } else {
            // Never started: nothing will write what is buffered.
            for shard in shards { shard.state.withLock { $0.closed = true } }
            output.withLock { $0?.close() }
        }
    }

    public var statistics: Statistics {
        Statistics(
            path: path,
            linesWritten: counters.linesWritten.load(ordering: .relaxed),
            bytesWritten: counters.bytesWritten.load(ordering: .relaxed),
            linesDropped: shards.reduce(0) { total, shard in total + shard.state.withLock { $0.dropped } },
            linesLost: counters.linesLost.load(ordering: .relaxed),
            writeErrors: counters.writeErrors.load(ordering: .relaxed),
            reopens: counters.reopens.load(ordering: .relaxed),
            reopenFailures: counters.reopenFailures.load(ordering: .relaxed)
        )
    }

    /// Wakes the writer whatever it sleeps for.
    private func kick() {
        if wake.exchange(Wake.awake, ordering: .acquiringAndReleasing) != Wake.awake { wakeUp.signal() }
    }

    private static func wallClockNanoseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }

    // MARK: The writer thread

    private func runWriter() {
        guard
            var output = output.withLock({ output in
                defer { output = nil }
                return output
            })
        else { return }
        var spares = shards.map { _ in Buffer(capacity: capacity) }
        var failing = false
        while true {
            let (reopen, closing) = control.withLock { control in
                defer { control.reopenRequested = false }
                return (control.reopenRequested, control.closing)
            }
            if reopen { self.reopen(&output) }
            var wrote = false
            for index in shards.indices {
                let batch = shards[index].state.withLock { state in
                    if closing { state.closed = true }
                    let full = state.buffer
                    state.buffer = spares[index]
                    return full
                }
                if batch.lines > 0 {
                    write(batch, to: &output, failing: &failing)
                    wrote = true
                }
                batch.count = 0
                batch.lines = 0
                spares[index] = batch
            }
            if closing { break }
            if wrote { linger() } else { sleepUntilWork() }
        }
        output.close()
    }

    private func write(_ batch: Buffer, to output: inout any AccessLogOutput, failing: inout Bool) {
        let (written, error) = output.write(batch.bytes)
        counters.bytesWritten.add(written, ordering: .relaxed)
        guard let error else {
            counters.linesWritten.add(batch.lines, ordering: .relaxed)
            if failing {
                failing = false
                logger.notice("access log \(path): writing again")
            }
            return
        }
        let whole = batch.bytes.prefix(written).reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        counters.linesWritten.add(whole, ordering: .relaxed)
        counters.linesLost.add(batch.lines - whole, ordering: .relaxed)
        counters.writeErrors.add(1, ordering: .relaxed)
        if !failing {
            failing = true
            logger.error("cannot write the access log \(path): \(error); dropping its lines until writes succeed")
        }
    }

    private func reopen(_ output: inout any AccessLogOutput) {
        if let problem = output.reopen() {
            counters.reopenFailures.add(1, ordering: .relaxed)
            logger.error("cannot reopen the access log \(path): \(problem); still writing to the file open before")
        } else {
            counters.reopens.add(1, ordering: .relaxed)
        }
    }

    /// Lets lines gather for `flushInterval`, or less when a buffer fills.
    private func linger() {
        wake.store(Wake.lingering, ordering: .sequentiallyConsistent)
        let deadline = DispatchTime.now() + .nanoseconds(Int(flushInterval.nanoseconds))
        if wakeUp.wait(timeout: deadline) == .timedOut,
            !wake.compareExchange(expected: Wake.lingering, desired: Wake.awake, ordering: .acquiringAndReleasing)
                .exchanged
        {
            // Woken as the wait ended: take the signal that goes with it.
            wakeUp.wait()
        }
    }

    /// Sleeps until a line arrives or ``reopen()`` or ``close()`` is called.
    private func sleepUntilWork() {
        wake.store(Wake.idle, ordering: .sequentiallyConsistent)
        // What arrived before the store saw the writer awake and did not signal: look once more.
        if hasWork,
            wake.compareExchange(expected: Wake.idle, desired: Wake.awake, ordering: .acquiringAndReleasing)
                .exchanged
        {
            return
        }
        wakeUp.wait()
    }

    private var hasWork: Bool {
        control.withLock { $0.reopenRequested || $0.closing }
            || shards.contains { $0.state.withLock { $0.buffer.lines > 0 } }
    }
}

extension ProxyServer {
    /// Reopens every frontend's access log (SIGHUP, after logrotate renamed the files); returns at once.
    public func reopenAccessLogs() {
        for frontend in frontends { frontend.accessLog?.reopen() }
    }

    /// What each access log wrote, dropped and lost so far, by frontend, for status and metrics.
    public func accessLogStatistics() -> [(frontend: String, statistics: AccessLog.Statistics)] {
        frontends.compactMap { frontend in frontend.accessLog.map { (frontend.name, $0.statistics) } }
    }
}
