#if canImport(Glibc)
import Glibc
#endif

/// A TCP port on 127.0.0.1 that refuses connections for the rest of the test process: a socket bound to it but
/// never listening answers every SYN with a reset, and, unlike a port that was merely free a moment ago, no
/// other test's listener can take it meanwhile.
func refusingLoopbackPort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard descriptor >= 0 else { throw RefusingPortError(errno: errno) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard bound == 0 else {
        close(descriptor)
        throw RefusingPortError(errno: errno)
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    guard named == 0 else {
        close(descriptor)
        throw RefusingPortError(errno: errno)
    }
    // Deliberately left open until the process exits.
    return Int(UInt16(bigEndian: address.sin_port))
}

struct RefusingPortError: Error {
    let errno: Int32
}
