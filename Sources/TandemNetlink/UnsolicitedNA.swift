/// The unsolicited ICMPv6 neighbour advertisement that announces an IPv6 VIP (RFC 4861 §7.2.6).
///
/// Sent to all-nodes (ff02::1) with hop limit 255 (receivers drop neighbour discovery with any other), the
/// Override flag set so neighbours replace the cached link-layer address, Solicited and Router clear, and a
/// Target Link-Layer Address option carrying the interface's MAC.
public enum UnsolicitedNA {
    /// ICMPv6 type Neighbor Advertisement.
    public static let icmpType: UInt8 = 136
    /// The Override flag in the first flags byte.
    public static let overrideFlag: UInt8 = 0x20
    /// Neighbour-discovery option type Target Link-Layer Address.
    public static let targetLinkLayerOption: UInt8 = 2
    /// The all-nodes link-local multicast group, ff02::1.
    public static let allNodes: [UInt8] = [0xFF, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    /// The hop limit neighbour discovery requires.
    public static let hopLimit: CInt = 255

    /// Builds the 32-byte ICMPv6 message for `target` (16 bytes) at `hardwareAddress` (6 bytes).
    ///
    /// The checksum is left zero: on a raw IPPROTO_ICMPV6 socket Linux always computes it, since it covers the
    /// IPv6 pseudo-header whose source address the kernel chooses.
    public static func message(target: [UInt8], hardwareAddress: [UInt8]) -> [UInt8] {
        precondition(target.count == 16, "a neighbour advertisement targets an IPv6 address")
        precondition(hardwareAddress.count == 6, "an Ethernet address has 6 bytes")
        var message: [UInt8] = []
        message.reserveCapacity(32)
        message += [icmpType, 0]  // type, code
        message += [0, 0]  // checksum, filled by the kernel
        message += [overrideFlag, 0, 0, 0]  // R=0 S=0 O=1, reserved
        message += target
        message += [targetLinkLayerOption, 1]  // option type, length in units of 8 bytes
        message += hardwareAddress
        return message
    }
}
