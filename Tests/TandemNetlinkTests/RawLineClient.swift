import CNetlink
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A blocking Unix-socket client speaking raw lines, for protocol abuse the real client cannot produce, and
/// for a peer of another user: with `uid` (needs root) the calling thread connects with effective ids `uid` and
/// `gid`, which is what the server's `SO_PEERCRED` reports.
struct RawLineClient: ~Copyable {
    private let descriptor: CInt

    init(path: String, uid: UInt32? = nil, gid: UInt32 = 65534) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { pathBytes in
            for (offset, byte) in path.utf8.prefix(pathBytes.count - 1).enumerated() {
                pathBytes[offset] = byte
            }
        }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
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
        guard descriptor >= 0, connected == 0 else {
            throw LabError(message: "connect \(path): errno \(errno)")
        }
    }

    deinit {
        close(descriptor)
    }

    /// Writes `bytes` (ignoring a reset peer: the test checks what it reads afterwards).
    func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes {
                send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard written > 0 else {
                return
            }
            offset += written
        }
    }

    /// Reads until a newline, end of stream or the 2 s receive timeout; nil at end of stream.
    func readLine() -> String? {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while recv(descriptor, &byte, 1, 0) == 1 {
            if byte == UInt8(ascii: "\n") {
                return String(decoding: line, as: UTF8.self)
            }
            line.append(byte)
        }
        return line.isEmpty ? nil : String(decoding: line, as: UTF8.self)
    }
}
