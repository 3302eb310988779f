import CNetlink

#if canImport(Glibc)
import Glibc
#endif

extension GratuitousARP {
    /// Sends one gratuitous ARP for `vip` (IPv4) out of `interface` on an AF_PACKET socket.
    ///
    /// Needs CAP_NET_RAW: without it socket(AF_PACKET) fails and the error says so.
    public static func send(vip: VIP, interface: NetworkInterface) throws(NetlinkError) {
        let bytes = frame(address: vip.addressBytes, hardwareAddress: interface.hardwareAddress)
        let protocolNumber = UInt16(ETH_P_ARP).bigEndian
        let descriptor = socket(AF_PACKET, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), CInt(protocolNumber))
        guard descriptor >= 0 else {
            throw NetlinkError.fromSystemCall("socket(AF_PACKET)", errno: errno, capability: "CAP_NET_RAW")
        }
        defer { close(descriptor) }
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
            throw NetlinkError.fromSystemCall("sendto(AF_PACKET) on \(interface.name)", errno: errno, capability: "CAP_NET_RAW")
        }
    }
}
