import CNetlink

#if canImport(Glibc)
import Glibc
#endif

extension UnsolicitedNA {
    /// Opens the raw ICMPv6 socket advertisements go out on. Needs CAP_NET_RAW.
    public static func openSocket() throws(NetlinkError) -> CInt {
        let descriptor = socket(AF_INET6, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), CInt(IPPROTO_ICMPV6))
        guard descriptor >= 0 else {
            throw NetlinkError.fromSystemCall("socket(AF_INET6, SOCK_RAW)", errno: errno, capability: "CAP_NET_RAW")
        }
        return descriptor
    }

    /// Sends one unsolicited neighbour advertisement for `vip` (IPv6) out of `interface` to ff02::1, on
    /// `descriptor` (from `openSocket()`), bound to the interface (SO_BINDTODEVICE, IPV6_MULTICAST_IF) for
    /// this send.
    public static func send(vip: VIP, interface: NetworkInterface, descriptor: CInt) throws(NetlinkError) {
        let bytes = message(target: vip.addressBytes, hardwareAddress: interface.hardwareAddress)
        var hops = hopLimit
        var interfaceIndex = CInt(interface.index)
        let size = socklen_t(MemoryLayout<CInt>.size)
        var nameBytes = Array(interface.name.utf8CString)
        guard setsockopt(descriptor, CInt(IPPROTO_IPV6), IPV6_MULTICAST_HOPS, &hops, size) == 0,
            setsockopt(descriptor, CInt(IPPROTO_IPV6), IPV6_UNICAST_HOPS, &hops, size) == 0,
            setsockopt(descriptor, CInt(IPPROTO_IPV6), IPV6_MULTICAST_IF, &interfaceIndex, size) == 0,
            setsockopt(descriptor, SOL_SOCKET, SO_BINDTODEVICE, &nameBytes, socklen_t(nameBytes.count)) == 0
        else {
            throw NetlinkError.fromSystemCall(
                "setsockopt on the ICMPv6 socket",
                errno: errno,
                capability: "CAP_NET_RAW"
            )
        }
        var destination = sockaddr_in6()
        destination.sin6_family = sa_family_t(AF_INET6)
        destination.sin6_scope_id = interface.index
        withUnsafeMutableBytes(of: &destination.sin6_addr) { address in
            for (offset, byte) in allNodes.enumerated() {
                address[offset] = byte
            }
        }
        let sent = bytes.withUnsafeBytes { payload in
            withUnsafePointer(to: &destination) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(
                        descriptor,
                        payload.baseAddress,
                        payload.count,
                        0,
                        $0,
                        socklen_t(MemoryLayout<sockaddr_in6>.size)
                    )
                }
            }
        }
        guard sent == bytes.count else {
            throw NetlinkError.fromSystemCall(
                "sendto(ICMPv6) on \(interface.name)",
                errno: errno,
                capability: "CAP_NET_RAW"
            )
        }
    }
}
