import Testing

@testable import TandemNetlink

/// Byte-for-byte rtnetlink encoding. Netlink integers are host order: these expectations are little-endian,
/// the order of every machine Tandem runs on (x86-64, arm64).
@Suite struct AddressMessageTests {
    let vip4 = VIP(parsing: "198.18.0.100/24")!
    let vip6 = VIP(parsing: "2001:db8::100/64")!

    /// RTM_NEWADDR for IPv4: header (len 40, type 20, flags REQUEST|ACK|EXCL|CREATE = 0x605), ifaddrmsg,
    /// IFA_LOCAL then IFA_ADDRESS.
    @Test func addIPv4() {
        let bytes = AddressMessage.request(.add, vip: vip4, interfaceIndex: 7, sequence: 0x0102_0304)
        let expected: [UInt8] = [
            40, 0, 0, 0, 20, 0, 0x05, 0x06, 0x04, 0x03, 0x02, 0x01, 0, 0, 0, 0,
            2, 24, 0, 0, 7, 0, 0, 0,
            8, 0, 2, 0, 198, 18, 0, 100,
            8, 0, 1, 0, 198, 18, 0, 100,
        ]
        #expect(bytes == expected)
    }

    /// RTM_DELADDR for IPv4: type 21, flags REQUEST|ACK only.
    @Test func deleteIPv4() {
        let bytes = AddressMessage.request(.delete, vip: vip4, interfaceIndex: 258, sequence: 9)
        let expected: [UInt8] = [
            40, 0, 0, 0, 21, 0, 0x05, 0x00, 9, 0, 0, 0, 0, 0, 0, 0,
            2, 24, 0, 0, 2, 1, 0, 0,
            8, 0, 2, 0, 198, 18, 0, 100,
            8, 0, 1, 0, 198, 18, 0, 100,
        ]
        #expect(bytes == expected)
    }

    /// RTM_NEWADDR for IPv6: family 10, IFA_F_NODAD, 20-byte attributes.
    @Test func addIPv6() {
        let bytes = AddressMessage.request(.add, vip: vip6, interfaceIndex: 3, sequence: 1)
        let address: [UInt8] = [0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00]
        let expected: [UInt8] =
            [64, 0, 0, 0, 20, 0, 0x05, 0x06, 1, 0, 0, 0, 0, 0, 0, 0]
            + [10, 64, 0x02, 0, 3, 0, 0, 0]
            + [20, 0, 2, 0] + address
            + [20, 0, 1, 0] + address
        #expect(bytes == expected)
    }

    /// RTM_DELADDR for IPv6 carries no NODAD flag.
    @Test func deleteIPv6HasNoFlags() {
        let bytes = AddressMessage.request(.delete, vip: vip6, interfaceIndex: 3, sequence: 1)
        #expect(bytes.count == 64)
        #expect(bytes[4] == 21)
        #expect(bytes[18] == 0)
    }

    /// RTM_GETADDR dump: type 22, flags REQUEST|DUMP (0x301), an ifaddrmsg of family AF_UNSPEC.
    @Test func dumpRequest() {
        let bytes = AddressMessage.dumpRequest(family: nil, sequence: 5)
        let expected: [UInt8] = [
            24, 0, 0, 0, 22, 0, 0x01, 0x03, 5, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0,
        ]
        #expect(bytes == expected)
        #expect(AddressMessage.dumpRequest(family: .inet, sequence: 5)[16] == 2)
    }

    /// NLMSG_ERROR with error 0 is the ACK; a negative error becomes the positive errno.
    @Test(arguments: [(Int32(0), Int32(0)), (-17, 17), (-99, 99), (-1, 1)])
    func decodeAcknowledgement(kernelError: Int32, expected: Int32) {
        var datagram: [UInt8] = [36, 0, 0, 0, 2, 0, 0, 1, 42, 0, 0, 0, 0x10, 0, 0, 0]
        datagram.appendHostOrder(kernelError)
        datagram += [40, 0, 0, 0, 20, 0, 0x05, 0x06, 42, 0, 0, 0, 0, 0, 0, 0]  // the echoed request header
        #expect(AddressMessage.decode(datagram) == [.acknowledgement(sequence: 42, errno: expected)])
    }

    /// A dump datagram with an IPv4 address (IFA_ADDRESS then IFA_LOCAL, plus a label) and NLMSG_DONE.
    @Test func decodeDump() {
        var datagram: [UInt8] = [52, 0, 0, 0, 20, 0, 0x02, 0, 5, 0, 0, 0, 0, 0, 0, 0]
        datagram += [2, 24, 0x80, 0, 4, 0, 0, 0]
        datagram += [8, 0, 1, 0, 198, 18, 0, 1]  // IFA_ADDRESS (the peer on point-to-point links)
        datagram += [8, 0, 2, 0, 198, 18, 0, 100]  // IFA_LOCAL: the address itself
        datagram += [9, 0, 3, 0, 0x65, 0x74, 0x68, 0x30, 0, 0, 0, 0]  // IFA_LABEL "eth0", padded
        datagram += [20, 0, 0, 0, 3, 0, 0x02, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        #expect(
            AddressMessage.decode(datagram) == [
                .address(sequence: 5, interfaceIndex: 4, vip: VIP(parsing: "198.18.0.100/24")!),
                .done(sequence: 5),
            ]
        )
    }

    /// A header claiming more bytes than the datagram holds ends decoding instead of reading past the end.
    @Test func decodeTruncated() {
        let datagram: [UInt8] = [200, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        #expect(AddressMessage.decode(datagram).isEmpty)
        #expect(AddressMessage.decode([1, 2, 3]).isEmpty)
    }
}
