#if os(Linux)
import Glibc
import NIOCore

/// A listening socket on 127.0.0.1 that never accepts and whose accept queue is already full, so the kernel
/// drops further SYNs and connects to it hang: the only way to make a TCP connect time out on loopback.
final class FullBacklogListener {
    let address: SocketAddress
    private let listenFD: CInt
    private var fillerFDs: [CInt] = []

    init() throws {
        let listenFD = socket(AF_INET, CInt(SOCK_STREAM.rawValue), 0)
        guard listenFD >= 0 else { throw IOError(errnoCode: errno, reason: "socket") }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr("127.0.0.1")
        local.sin_port = 0
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listenFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(listenFD, 0) == 0 else { throw IOError(errnoCode: errno, reason: "bind/listen") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listenFD, $0, &length) }
        }
        self.listenFD = listenFD
        address = try SocketAddress(ipAddress: "127.0.0.1", port: Int(UInt16(bigEndian: local.sin_port)))
        // A backlog of 0 still queues one or two connections; fill it with non-blocking connects (bounded).
        for _ in 0..<4 {
            let fd = socket(AF_INET, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else { break }
            fillerFDs.append(fd)
            _ = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
    }

    func close() {
        for fd in fillerFDs { _ = Glibc.close(fd) }
        _ = Glibc.close(listenFD)
    }
}
#endif
