#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where an access log's writer thread puts its batches: the file, or in tests an output that blocks or fails on
/// demand. Only the writer thread calls it, so it may block.
protocol AccessLogOutput: Sendable {
    /// Writes all of `bytes`; on failure, how many were written before it and why.
    mutating func write(_ bytes: UnsafeRawBufferPointer) -> (written: Int, error: String?)
    /// Opens the path again, for logrotate (a renamed file is left to it, a new one created); on failure the
    /// current file stays in use and the reason is returned.
    mutating func reopen() -> String?
    mutating func close()
}

/// The access log file: opened `O_WRONLY | O_APPEND | O_CREAT` (mode 0640), so every batch lands at the end even
/// with other writers, and each batch of whole lines goes out in one `write(2)`.
struct AccessLogFile: AccessLogOutput {
    /// The file could not be opened; names it and the system's reason.
    struct OpenError: Error, CustomStringConvertible {
        var path: String
        var reason: String
        var description: String { "cannot open the access log \(path): \(reason)" }
    }

    let path: String
    private var descriptor: Int32

    init(path: String) throws(OpenError) {
        self.path = path
        self.descriptor = try Self.open(path)
    }

    mutating func write(_ bytes: UnsafeRawBufferPointer) -> (written: Int, error: String?) {
        var written = 0
        var calls = 0
        // Bounded: a regular file takes all at once; a short write is retried a few times, EINTR too.
        while written < bytes.count, calls < 64 {
            calls += 1
            let result = Glibc.write(descriptor, bytes.baseAddress! + written, bytes.count - written)
            if result < 0 {
                if errno == EINTR { continue }
                return (written, String(cString: strerror(errno)))
            }
            written += result
        }
        return (written, written < bytes.count ? "short writes" : nil)
    }

    mutating func reopen() -> String? {
        do {
            let fresh = try Self.open(path)
            Glibc.close(descriptor)
            descriptor = fresh
            return nil
        } catch {
            return error.reason
        }
    }

    mutating func close() {
        guard descriptor >= 0 else { return }
        Glibc.close(descriptor)
        descriptor = -1
    }

    /// What would keep the daemon from opening `path`, without creating it (`tandem check`): a missing directory, or
    /// a directory where the file should be. Nil when it looks fine (permissions are the daemon user's to have).
    static func problem(opening path: String) -> String? {
        var status = stat()
        if stat(path, &status) == 0 {
            return (status.st_mode & S_IFMT) == S_IFDIR ? "\(path) is a directory" : nil
        }
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) }.flatMap { $0.isEmpty ? "/" : $0 } ?? "."
        guard stat(directory, &status) == 0 else {
            return "cannot use \(directory) for the access log: \(String(cString: strerror(errno)))"
        }
        return (status.st_mode & S_IFMT) == S_IFDIR ? nil : "\(directory) is not a directory"
    }

    private static func open(_ path: String) throws(OpenError) -> Int32 {
        let descriptor = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { throw OpenError(path: path, reason: String(cString: strerror(errno))) }
        return descriptor
    }
}
