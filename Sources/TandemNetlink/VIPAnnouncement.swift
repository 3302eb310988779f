/// Announces a VIP once on its interface: a gratuitous ARP for IPv4, an unsolicited neighbour advertisement
/// for IPv6.
public enum VIPAnnouncement {
    /// The name of the step in helper reports: `garp` or `unsolicited-na`.
    public static func stepName(for family: VIP.Family) -> String {
        switch family {
        case .inet: "garp"
        case .inet6: "unsolicited-na"
        }
    }

    /// Sends one announcement of `vip` out of `interface`.
    public static func sendOnce(vip: VIP, interface: NetworkInterface) throws(NetlinkError) {
        switch vip.family {
        case .inet: try GratuitousARP.send(vip: vip, interface: interface)
        case .inet6: try UnsolicitedNA.send(vip: vip, interface: interface)
        }
    }
}
