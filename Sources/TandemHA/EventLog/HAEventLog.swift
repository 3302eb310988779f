import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The heartbeat log (`ha.log`): appends each ``HAEvent`` as one JSON line and logs a line for people through
/// swift-log (stderr, so journald has it too): transitions at notice, failed VIP operations at error, the rest
/// at info.
///
/// Guarantees, and why:
/// - **Whole lines.** Each line goes out in one `write(2)` on an `O_APPEND` descriptor under a lock, so lines
///   from different threads never interleave and a reader never sees half a line from a finished write.
/// - **Short.** No fsync and no buffering: a line costs one system call into the page cache, cheap enough for
///   the event loop that calls it (a few per second, plus a summary every 10 s).
/// - **Never fatal.** An open or write failure (full disk, removed directory) is reported once on stderr and the
///   line is dropped; the daemon keeps running. ``reopen()`` tries again and re-arms the report.
/// - **Rotation.** ``reopen()`` (SIGHUP, after logrotate renamed the file) closes the old descriptor and opens
///   the path afresh, creating a new file.
///
/// Without a path only the stderr lines are emitted.
public final class HAEventLog: Sendable {
    /// This node's name, the `node` field of every line.
    public let node: String
    /// The file, if any.
    public let path: String?
    private let logger: Logger
    private let file = Mutex<OpenFile>(OpenFile())

    private struct OpenFile {
        var descriptor: Int32 = -1
        var failureReported = false
    }

    /// Opens `path` for appending (creating it, mode 0640); a failure is logged and retried on ``reopen()``.
    public init(node: String, path: String?, logger: Logger = Logger(label: "tandem.ha")) {
        self.node = node
        self.path = path
        self.logger = logger
        reopen()
    }

    deinit {
        file.withLock { file in
            if file.descriptor >= 0 { Glibc.close(file.descriptor) }
        }
    }

    /// Writes `event` to the file and logs its human line.
    public func record(_ event: HAEvent) {
        write(event)
        switch event.event {
        case .transition:
            logger.notice("\(event.humanLine)")
        case .vipClaim, .vipRelease, .vipAnnounce:
            if event.ok == false {
                logger.error("\(event.humanLine)")
            } else {
                logger.info("\(event.humanLine)")
            }
        case .untrustedPeer, .paused, .reconcile, .groupsDiffer:
            logger.warning("\(event.humanLine)")
        case .vipFault, .keysReloaded:
            if event.ok == false {
                logger.error("\(event.humanLine)")
            } else {
                logger.notice("\(event.humanLine)")
            }
        case .started, .stopped, .peerAlive, .peerDead, .rejected, .summary:
            logger.info("\(event.humanLine)")
        }
    }

    /// Writes `event` to the file only, for callers that already log their own line for people.
    public func write(_ event: HAEvent) {
        guard path != nil else { return }
        let line = event.jsonLine + "\n"
        let problem = file.withLock { file -> String? in
            guard file.descriptor >= 0 else { return nil }
            if let error = Self.writeAll(line, to: file.descriptor), !file.failureReported {
                file.failureReported = true
                return error
            }
            return nil
        }
        if let problem, let path {
            logger.error("cannot write the heartbeat log \(path): \(problem); dropping its lines until SIGHUP")
        }
    }

    /// Closes the file and opens the path again (after logrotate renamed it: a new file is created).
    public func reopen() {
        guard let path else { return }
        let problem = file.withLock { file -> String? in
            if file.descriptor >= 0 {
                Glibc.close(file.descriptor)
                file.descriptor = -1
            }
            file.failureReported = false
            let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
            guard descriptor >= 0 else {
                file.failureReported = true
                return String(cString: strerror(errno))
            }
            file.descriptor = descriptor
            return nil
        }
        if let problem {
            logger.error("cannot open the heartbeat log \(path): \(problem); continuing without it until SIGHUP")
        }
    }

    /// One `write(2)` for the line, retried on EINTR and for the rest of a short write (bounded); the error text
    /// on failure.
    private static func writeAll(_ line: String, to descriptor: Int32) -> String? {
        var bytes = Array(line.utf8)
        var attempts = 0
        while !bytes.isEmpty, attempts < 16 {
            attempts += 1
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return String(cString: strerror(errno))
            }
            bytes.removeFirst(written)
        }
        return bytes.isEmpty ? nil : "short writes"
    }
}
