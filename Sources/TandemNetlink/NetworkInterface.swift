import CNetlink

#if canImport(Glibc)
import Glibc
#endif

/// An interface's index and hardware address, looked up in the calling thread's network namespace.
public struct NetworkInterface: Hashable, Sendable {
    /// The interface name (`eth0`).
    public let name: String
    /// The kernel's interface index.
    public let index: UInt32
    /// The 6-byte Ethernet address (all zero for loopback).
    public let hardwareAddress: [UInt8]

    /// Creates the value from known parts (tests and callers that already know them).
    public init(name: String, index: UInt32, hardwareAddress: [UInt8]) {
        self.name = name
        self.index = index
        self.hardwareAddress = hardwareAddress
    }

    /// Looks `name` up with SIOCGIFINDEX and SIOCGIFHWADDR on a throw-away datagram socket, which answers for
    /// the calling thread's network namespace (if_nametoindex(3) would too, but this also gets the MAC).
    public static func lookup(_ name: String) throws(NetlinkError) -> NetworkInterface {
        let probe = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard probe >= 0 else {
            throw NetlinkError(code: .systemCall, errno: errno, detail: "socket(AF_INET) for an interface lookup")
        }
        defer { close(probe) }
        let index = CNetlink_get_ifindex(probe, name)
        guard index > 0 else {
            throw NetlinkError(code: .interfaceNotFound, errno: errno, detail: "no interface named \(name)")
        }
        var hardwareAddress = [UInt8](repeating: 0, count: 6)
        guard CNetlink_get_hwaddr(probe, name, &hardwareAddress) == 0 else {
            throw NetlinkError(code: .systemCall, errno: errno, detail: "SIOCGIFHWADDR on \(name)")
        }
        return NetworkInterface(name: name, index: UInt32(index), hardwareAddress: hardwareAddress)
    }
}
