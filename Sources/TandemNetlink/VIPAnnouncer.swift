#if canImport(Glibc)
import Glibc
#endif

/// Announces VIPs on their interface: a gratuitous ARP for IPv4, an unsolicited neighbour advertisement for
/// IPv6. Keeps its sockets open between announcements (opened lazily, in the namespace of the first caller's
/// thread). Not thread-safe: the helper uses it from its single event loop.
public final class VIPAnnouncer {
    private var packetSocket: CInt?
    private var icmpv6Socket: CInt?

    /// Creates an announcer; no socket is opened yet.
    public init() {}

    deinit {
        if let packetSocket {
            close(packetSocket)
        }
        if let icmpv6Socket {
            close(icmpv6Socket)
        }
    }

    /// The name of the step in helper reports: `garp` or `unsolicited-na`.
    public static func stepName(for family: VIP.Family) -> String {
        switch family {
        case .inet: "garp"
        case .inet6: "unsolicited-na"
        }
    }

    /// Sends one announcement of `vip` out of `interface`.
    public func sendOnce(vip: VIP, interface: NetworkInterface) throws(NetlinkError) {
        switch vip.family {
        case .inet:
            let descriptor: CInt
            if let packetSocket {
                descriptor = packetSocket
            } else {
                descriptor = try GratuitousARP.openSocket()
                packetSocket = descriptor
            }
            try GratuitousARP.send(vip: vip, interface: interface, descriptor: descriptor)
        case .inet6:
            let descriptor: CInt
            if let icmpv6Socket {
                descriptor = icmpv6Socket
            } else {
                descriptor = try UnsolicitedNA.openSocket()
                icmpv6Socket = descriptor
            }
            try UnsolicitedNA.send(vip: vip, interface: interface, descriptor: descriptor)
        }
    }
}
