import CNetlink

/// Pure encoding and decoding of the rtnetlink address messages the VIP helper sends and receives.
///
/// Every netlink integer is in host byte order; addresses are in network byte order. Nothing here does I/O,
/// so the bytes are tested exactly (`AddressMessageTests`).
public enum AddressMessage {
    /// Whether a request adds or removes the address.
    public enum Operation: Sendable {
        /// RTM_NEWADDR with NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL: the kernel answers EEXIST
        /// when the address is already there instead of silently replacing it.
        case add
        /// RTM_DELADDR with NLM_F_REQUEST | NLM_F_ACK: EADDRNOTAVAIL when the address is absent.
        case delete
    }

    /// The size of `struct nlmsghdr`.
    static let headerLength = 16
    /// The size of `struct ifaddrmsg`.
    static let ifaddrmsgLength = 8

    /// Encodes an RTM_NEWADDR or RTM_DELADDR request for `vip` on interface `interfaceIndex`.
    ///
    /// Layout: nlmsghdr, ifaddrmsg (family, prefix length, flags, scope universe, index), IFA_LOCAL and
    /// IFA_ADDRESS both carrying the address (a plain, non point-to-point address, as `ip addr add` sends).
    /// IPv6 additions carry IFA_F_NODAD: a VIP must be usable at once, not tentative for a DAD second.
    public static func request(
        _ operation: Operation,
        vip: VIP,
        interfaceIndex: UInt32,
        sequence: UInt32
    ) -> [UInt8] {
        var body: [UInt8] = []
        body.reserveCapacity(48)
        body.append(UInt8(vip.family.socketFamily))
        body.append(vip.prefixLength)
        let addressFlags: UInt8
        switch (operation, vip.family) {
        case (.add, .inet6): addressFlags = UInt8(IFA_F_NODAD)
        case (.add, .inet), (.delete, .inet), (.delete, .inet6): addressFlags = 0
        }
        body.append(addressFlags)
        body.append(UInt8(RT_SCOPE_UNIVERSE.rawValue))
        body.appendHostOrder(interfaceIndex)
        body.appendAttribute(type: UInt16(IFA_LOCAL), payload: vip.addressBytes)
        body.appendAttribute(type: UInt16(IFA_ADDRESS), payload: vip.addressBytes)

        let type: UInt16
        let flags: Int32
        switch operation {
        case .add:
            type = UInt16(RTM_NEWADDR)
            flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL
        case .delete:
            type = UInt16(RTM_DELADDR)
            flags = NLM_F_REQUEST | NLM_F_ACK
        }
        return message(type: type, flags: UInt16(flags), sequence: sequence, body: body)
    }

    /// Encodes an RTM_GETADDR dump request for every address of `family` (nil: both families).
    public static func dumpRequest(family: VIP.Family?, sequence: UInt32) -> [UInt8] {
        var body = [UInt8](repeating: 0, count: ifaddrmsgLength)
        body[0] = family.map { UInt8($0.socketFamily) } ?? UInt8(AF_UNSPEC)
        return message(
            type: UInt16(RTM_GETADDR),
            flags: UInt16(NLM_F_REQUEST | NLM_F_DUMP),
            sequence: sequence,
            body: body
        )
    }

    static func message(type: UInt16, flags: UInt16, sequence: UInt32, body: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(headerLength + body.count)
        bytes.appendHostOrder(UInt32(headerLength + body.count))
        bytes.appendHostOrder(type)
        bytes.appendHostOrder(flags)
        bytes.appendHostOrder(sequence)
        bytes.appendHostOrder(UInt32(0))  // nlmsg_pid: 0 = to the kernel
        bytes.append(contentsOf: body)
        return bytes
    }
}

extension Array where Element == UInt8 {
    /// Appends `value` in host byte order, as netlink expects.
    mutating func appendHostOrder<Integer: FixedWidthInteger>(_ value: Integer) {
        Swift.withUnsafeBytes(of: value) { append(contentsOf: $0) }
    }

    /// Appends one rtattr (length, type, payload) padded to RTA_ALIGNTO.
    mutating func appendAttribute(type: UInt16, payload: [UInt8]) {
        let length = CNetlink_RTA_LENGTH(UInt32(payload.count))
        appendHostOrder(UInt16(length))
        appendHostOrder(type)
        append(contentsOf: payload)
        let padding = Int(CNetlink_RTA_ALIGN(length)) - Int(length)
        append(contentsOf: repeatElement(0, count: padding))
    }

    /// Reads a host-order integer at `offset`; nil when the bytes run out.
    func readHostOrder<Integer: FixedWidthInteger>(_: Integer.Type, at offset: Int) -> Integer? {
        let size = MemoryLayout<Integer>.size
        guard offset >= 0, offset + size <= count else {
            return nil
        }
        var value = Integer.zero
        Swift.withUnsafeMutableBytes(of: &value) { destination in
            for index in 0..<size {
                destination[index] = self[offset + index]
            }
        }
        return value
    }
}
