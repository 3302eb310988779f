#if canImport(Glibc)
import Glibc
#endif

/// One reachability probe of a gateway, without privileges (the daemon has no CAP_NET_RAW).
///
/// First choice: an ICMP echo over an unprivileged ICMP datagram socket (`socket(AF_INET, SOCK_DGRAM,
/// IPPROTO_ICMP)`, or ICMPv6), which Linux allows to the groups in `net.ipv4.ping_group_range` (systemd sets
/// it to every group; a bare kernel or a fresh network namespace has `1 0`, nobody). The kernel fills in the
/// identifier and checksum and delivers only our replies. When the socket is refused, a TCP connect probe to
/// port 9 stands in: an answer of any kind — accepted or refused (RST) — proves the gateway is reachable;
/// only silence or an ICMP unreachable counts as a failure.
///
/// Blocking calls bounded by the timeout; the tracker runs them on a thread pool.
public enum GatewayProbe {
    /// How a probe was carried out.
    public enum Method: String, Sendable {
        case icmp
        case tcp
    }

    /// Whether `address` answered within `timeout`, and how it was asked.
    public static func probe(address: String, isIPv6: Bool, timeout: Duration, sequence: UInt16) -> (Bool, Method) {
        if let answered = icmpEcho(address: address, isIPv6: isIPv6, timeout: timeout, sequence: sequence) {
            return (answered, .icmp)
        }
        return (tcpConnect(address: address, isIPv6: isIPv6, port: 9, timeout: timeout), .tcp)
    }

    /// An ICMP echo over a datagram socket; nil when such a socket is not allowed here.
    static func icmpEcho(address: String, isIPv6: Bool, timeout: Duration, sequence: UInt16) -> Bool? {
        let family = isIPv6 ? AF_INET6 : AF_INET
        let descriptor = socket(
            family,
            Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
            isIPv6 ? Int32(IPPROTO_ICMPV6) : Int32(IPPROTO_ICMP)
        )
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        let request: UInt8 = isIPv6 ? 128 : 8
        let reply: UInt8 = isIPv6 ? 129 : 0
        // type, code, checksum (kernel), identifier (kernel), sequence, 8 bytes of payload.
        var packet: [UInt8] = [request, 0, 0, 0, 0, 0, UInt8(sequence >> 8), UInt8(sequence & 0xFF)]
        packet += Array("tandem!!".utf8)
        let sent = withSocketAddress(address, isIPv6: isIPv6, port: 0) { pointer, length in
            sendto(descriptor, packet, packet.count, Int32(MSG_NOSIGNAL), pointer, length)
        }
        guard sent == packet.count else { return false }
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero, wait(descriptor, events: Int16(POLLIN), for: remaining) else { return false }
            let count = buffer.withUnsafeMutableBytes {
                recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT))
            }
            if count >= 8, buffer[0] == reply, buffer[6] == UInt8(sequence >> 8), buffer[7] == UInt8(sequence & 0xFF) {
                return true
            }
        }
    }

    /// A non-blocking TCP connect: connected or refused → reachable; timeout or unreachable → not.
    static func tcpConnect(address: String, isIPv6: Bool, port: UInt16, timeout: Duration) -> Bool {
        let family = isIPv6 ? AF_INET6 : AF_INET
        let flags = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let descriptor = socket(family, flags, 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        let status = withSocketAddress(address, isIPv6: isIPv6, port: port) { pointer, length in
            Glibc.connect(descriptor, pointer, length)
        }
        if status == 0 { return true }
        if errno == ECONNREFUSED { return true }
        guard errno == EINPROGRESS, wait(descriptor, events: Int16(POLLOUT), for: timeout) else { return false }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &length)
        return error == 0 || error == ECONNREFUSED
    }

    private static func wait(_ descriptor: Int32, events: Int16, for duration: Duration) -> Bool {
        var entry = pollfd(fd: descriptor, events: events, revents: 0)
        let milliseconds = Int32(max(1, HAStatusReport.milliseconds(duration).rounded(.up)))
        while true {
            let ready = poll(&entry, 1, milliseconds)
            if ready < 0 && errno == EINTR { continue }
            return ready > 0
        }
    }

    private static func withSocketAddress<R>(
        _ address: String,
        isIPv6: Bool,
        port: UInt16,
        _ body: (UnsafePointer<sockaddr>, socklen_t) -> R
    ) -> R {
        if isIPv6 {
            var storage = sockaddr_in6()
            storage.sin6_family = sa_family_t(AF_INET6)
            storage.sin6_port = port.bigEndian
            inet_pton(AF_INET6, address, &storage.sin6_addr)
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
        var storage = sockaddr_in()
        storage.sin_family = sa_family_t(AF_INET)
        storage.sin_port = port.bigEndian
        inet_pton(AF_INET, address, &storage.sin_addr)
        return withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }
}
