#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A heartbeat log opened for reading by `tandem logs`: everything from the start, then (``readAvailable()``
/// again) whatever was appended since. ``followRotation()`` handles logrotate: when the path names a new file
/// (another inode) it switches to it and reads it from the start; when the file shrank (copytruncate) it reads
/// again from its start. Not thread-safe: one reader owns it.
public final class EventLogFile {
    /// The path followed.
    public let path: String
    private var descriptor: Int32
    private var identity: (device: UInt64, inode: UInt64)
    private var position: Int64 = 0

    /// Opens `path` for reading.
    /// - Throws: ``OpenError`` naming the path and the system's reason.
    public init(path: String) throws(OpenError) {
        self.path = path
        let (descriptor, identity) = try Self.open(path)
        self.descriptor = descriptor
        self.identity = identity
    }

    deinit {
        close(descriptor)
    }

    /// The bytes appended since the last call (all of the file on the first), at most `limit` bytes per call.
    public func readAvailable(limit: Int = 64 << 20) -> [UInt8] {
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        var calls = 0
        while output.count < limit, calls < 100_000 {
            calls += 1
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            output.append(contentsOf: chunk[..<count])
            position += Int64(count)
        }
        return output
    }

    /// Follows logrotate: true when reading restarted on a new (or truncated) file. Call after
    /// ``readAvailable()`` has drained the old file, so its last lines are not lost.
    public func followRotation() -> Bool {
        var status = stat()
        guard stat(path, &status) == 0 else { return false }  // between the rename and the new file: wait
        if UInt64(status.st_dev) != identity.device || UInt64(status.st_ino) != identity.inode {
            guard let (fresh, freshIdentity) = try? Self.open(path) else { return false }
            close(descriptor)
            descriptor = fresh
            identity = freshIdentity
            position = 0
            return true
        }
        if Int64(status.st_size) < position {
            lseek(descriptor, 0, SEEK_SET)
            position = 0
            return true
        }
        return false
    }

    private static func open(_ path: String) throws(OpenError) -> (Int32, (device: UInt64, inode: UInt64)) {
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw OpenError(description: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw OpenError(description: "cannot stat \(path): \(reason)")
        }
        return (descriptor, (UInt64(status.st_dev), UInt64(status.st_ino)))
    }
}
