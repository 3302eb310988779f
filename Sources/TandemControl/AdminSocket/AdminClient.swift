import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// The client side of the admin socket for the command-line tools: one connection, one request, one response.
///
/// Blocking POSIX calls on purpose: a CLI sends one request and waits; the errors (no such file, connection
/// refused, permission denied) then map straight onto the messages an operator needs.
public struct AdminClient: Sendable {
    /// The admin socket path.
    public let socketPath: String
    /// How long connecting, sending and receiving may take in all.
    public let timeout: Duration

    public init(socketPath: String, timeout: Duration = .seconds(5)) {
        self.socketPath = socketPath
        self.timeout = timeout
    }

    /// Sends `request` and returns the daemon's response.
    public func send(_ request: AdminRequest) throws(AdminClientError) -> AdminResponse {
        let descriptor = try connect()
        defer { close(descriptor) }
        let bytes = AdminCodec.encode(request)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes {
                Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw error(.failed, "sending the request", errno: errno) }
            written += count
        }
        var line: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                throw AdminClientError(
                    code: .timeout,
                    socketPath: socketPath,
                    message: "the daemon did not answer in time"
                )
            }
            guard count >= 0 else { throw error(.failed, "reading the response", errno: errno) }
            guard count > 0 else {
                throw AdminClientError(
                    code: .failed,
                    socketPath: socketPath,
                    message: "the daemon closed the connection without answering"
                )
            }
            if let newline = chunk[0..<count].firstIndex(of: UInt8(ascii: "\n")) {
                line += chunk[0..<newline]
                break
            }
            line += chunk[0..<count]
            guard line.count <= AdminCodec.maximumLineLength else {
                throw AdminClientError(code: .malformed, socketPath: socketPath, message: "the response is too long")
            }
        }
        do {
            return try AdminCodec.decodeResponse(line)
        } catch {
            throw AdminClientError(code: .malformed, socketPath: socketPath, message: error.message)
        }
    }

    /// ``send(_:)`` on a thread-pool thread, for async callers (blocking calls must not hold a task's thread).
    public func request(_ request: AdminRequest) async throws -> AdminResponse {
        try await NIOThreadPool.singleton.runIfActive { try send(request) }
    }

    /// Whether a daemon accepts connections on `socketPath` right now.
    public static func isServing(socketPath: String) -> Bool {
        let client = AdminClient(socketPath: socketPath, timeout: .milliseconds(500))
        guard let descriptor = try? client.connect() else { return false }
        close(descriptor)
        return true
    }

    private func connect() throws(AdminClientError) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array(socketPath.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.count < capacity else {
            throw AdminClientError(
                code: .failed,
                socketPath: socketPath,
                message: "the path is longer than \(capacity - 1) bytes"
            )
        }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: path)
            buffer[path.count] = 0
        }
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw error(.failed, "socket", errno: errno) }
        let (seconds, attoseconds) = timeout.components
        var time = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard status == 0 else {
            let code = errno
            close(descriptor)
            switch code {
            case ENOENT, ECONNREFUSED:
                throw AdminClientError(
                    code: .notRunning,
                    socketPath: socketPath,
                    message: "no tandem daemon is running (\(String(cString: strerror(code))))"
                )
            case EACCES, EPERM:
                throw AdminClientError(
                    code: .permissionDenied,
                    socketPath: socketPath,
                    message: "permission denied; run as root or as a member of the daemon's group"
                )
            default:
                throw error(.failed, "connect", errno: code)
            }
        }
        return descriptor
    }

    private func error(_ code: AdminClientError.Code, _ what: String, errno number: Int32) -> AdminClientError {
        AdminClientError(code: code, socketPath: socketPath, message: "\(what): \(String(cString: strerror(number)))")
    }
}
