import CNetlink

#if canImport(Glibc)
import Glibc
#endif

extension GratuitousARP {
    /// Opens the send-only AF_PACKET socket announcements go out on. Needs CAP_NET_RAW.
    ///
    /// Protocol 0: the socket receives nothing, so it buffers nothing. Keep it open: closing a packet socket
    /// waits for an RCU grace period (several milliseconds), too slow to pay on every claim.
    public static func openSocket() throws(NetlinkError) -> CInt {
        let descriptor = socket(AF_PACKET, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else {
            throw NetlinkError.fromSystemCall("socket(AF_PACKET)", errno: errno, capability: "CAP_NET_RAW")
        }
        return descriptor
    }

    /// Sends one gratuitous ARP for `vip` (IPv4) out of `interface` on `descriptor` (from `openSocket()`).
    public static func send(vip: VIP, interface: NetworkInterface, descriptor: CInt) throws(NetlinkError) {
        let bytes = frame(address: vip.addressBytes, hardwareAddress: interface.hardwareAddress)
        let protocolNumber = UInt16(ETH_P_ARP).bigEndian
        var destination = sockaddr_ll()
        destination.sll_family = UInt16(AF_PACKET)
        destination.sll_protocol = protocolNumber
        destination.sll_ifindex = Int32(interface.index)
        destination.sll_halen = 6
        withUnsafeMutableBytes(of: &destination.sll_addr) { address in
            for (offset, byte) in broadcast.enumerated() {
                address[offset] = byte
            }
        }
        let sent = bytes.withUnsafeBytes { frame in
            withUnsafePointer(to: &destination) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(descriptor, frame.baseAddress, frame.count, 0, $0, socklen_t(MemoryLayout<sockaddr_ll>.size))
                }
            }
        }
        guard sent == bytes.count else {
            throw NetlinkError.fromSystemCall(
                "sendto(AF_PACKET) on \(interface.name)",
                errno: errno,
                capability: "CAP_NET_RAW"
            )
        }
    }
}
