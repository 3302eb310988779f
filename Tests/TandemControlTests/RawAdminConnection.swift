import CNetlink

#if canImport(Glibc)
import Glibc
#endif

/// A bare Unix-socket connection that writes raw bytes and reads response lines, for framing tests, and for
/// a peer of another user: with `uid` and `gid` set (needs root) the calling thread connects with those
/// effective ids, which is what the server's `SO_PEERCRED` reports.
struct RawAdminConnection {
    struct Failure: Error {}

    let path: String
    var uid: UInt32? = nil
    var gid: UInt32 = 65534

    /// Writes `text`, then reads until `lines` newline-terminated lines arrived (5 s at most).
    func exchange(_ text: String, lines: Int) throws -> [String] {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure() }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        if let uid {
            precondition(CNetlink_set_thread_effective_ids(uid, gid) == 0, "cannot switch ids: errno \(errno)")
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if uid != nil {
            precondition(CNetlink_set_thread_effective_ids(0, 0) == 0, "cannot become root again: errno \(errno)")
        }
        guard connected == 0 else { throw Failure() }
        var time = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        let bytes = Array(text.utf8)
        guard send(descriptor, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else { throw Failure() }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while received.filter({ $0 == UInt8(ascii: "\n") }).count < lines {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw Failure() }
            received += chunk[0..<count]
        }
        return received.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
    }
}
