/// The gratuitous ARP frame that tells the segment "this VIP is now at this MAC".
///
/// An ARP request (RFC 5227 §2.3 announcement form) with sender IP = target IP = the VIP, broadcast
/// destination, target hardware address zero, padded to the 60-byte Ethernet minimum. Neighbours that already
/// have an entry for the VIP update it (with the default `arp_accept=0` they do not create one), which is what
/// a failover needs: clients and routers already know the VIP.
public enum GratuitousARP {
    /// The Ethernet broadcast address.
    public static let broadcast: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
    /// EtherType ARP (ETH_P_ARP).
    public static let etherTypeARP: UInt16 = 0x0806
    /// The minimum Ethernet frame length without the FCS.
    public static let frameLength = 60

    /// Builds the frame for IPv4 `address` (4 bytes) announced from `hardwareAddress` (6 bytes).
    public static func frame(address: [UInt8], hardwareAddress: [UInt8]) -> [UInt8] {
        precondition(address.count == 4, "an ARP announcement carries an IPv4 address")
        precondition(hardwareAddress.count == 6, "an Ethernet address has 6 bytes")
        var frame: [UInt8] = []
        frame.reserveCapacity(frameLength)
        frame += broadcast  // destination
        frame += hardwareAddress  // source
        frame += [UInt8(etherTypeARP >> 8), UInt8(etherTypeARP & 0xFF)]
        frame += [0x00, 0x01]  // hardware type: Ethernet
        frame += [0x08, 0x00]  // protocol type: IPv4
        frame += [6, 4]  // hardware and protocol address lengths
        frame += [0x00, 0x01]  // operation: request
        frame += hardwareAddress  // sender hardware address
        frame += address  // sender protocol address = VIP
        frame += [0, 0, 0, 0, 0, 0]  // target hardware address: ignored, zero (RFC 5227)
        frame += address  // target protocol address = VIP
        frame += [UInt8](repeating: 0, count: frameLength - frame.count)
        return frame
    }
}
