import CNetlink

extension AddressMessage {
    /// One message read back from the kernel, as far as the VIP helper cares.
    public enum Reply: Equatable, Sendable {
        /// NLMSG_ERROR: `errno` 0 is the ACK, otherwise the positive errno the kernel refused with.
        case acknowledgement(sequence: UInt32, errno: Int32)
        /// RTM_NEWADDR from a dump: one address of one interface.
        case address(sequence: UInt32, interfaceIndex: UInt32, vip: VIP)
        /// NLMSG_DONE: the end of a dump.
        case done(sequence: UInt32)
        /// Any other message type (ignored by the helper).
        case other(sequence: UInt32, type: UInt16)
    }

    /// Splits one datagram read from a netlink socket into its messages.
    ///
    /// Stops at the first truncated or malformed header: the kernel never sends one, so it is treated as the
    /// end of the datagram rather than an error.
    public static func decode(_ datagram: [UInt8]) -> [Reply] {
        var replies: [Reply] = []
        var offset = 0
        while offset + headerLength <= datagram.count {
            guard let length = datagram.readHostOrder(UInt32.self, at: offset),
                let type = datagram.readHostOrder(UInt16.self, at: offset + 4),
                let sequence = datagram.readHostOrder(UInt32.self, at: offset + 8),
                Int(length) >= headerLength, offset + Int(length) <= datagram.count
            else {
                break
            }
            let payloadStart = offset + headerLength
            let payloadEnd = offset + Int(length)
            replies.append(decodeOne(datagram, type: type, sequence: sequence, payload: payloadStart..<payloadEnd))
            offset += Int(CNetlink_NLMSG_ALIGN(length))
        }
        return replies
    }

    private static func decodeOne(_ bytes: [UInt8], type: UInt16, sequence: UInt32, payload: Range<Int>) -> Reply {
        switch Int32(type) {
        case NLMSG_ERROR:
            let error = bytes.readHostOrder(Int32.self, at: payload.lowerBound) ?? -EPROTO
            return .acknowledgement(sequence: sequence, errno: -error)
        case NLMSG_DONE:
            return .done(sequence: sequence)
        case Int32(RTM_NEWADDR):
            guard let (index, vip) = decodeAddress(bytes, payload: payload) else {
                return .other(sequence: sequence, type: type)
            }
            return .address(sequence: sequence, interfaceIndex: index, vip: vip)
        default:
            return .other(sequence: sequence, type: type)
        }
    }

    /// ifaddrmsg then attributes; IFA_LOCAL is the interface's own address for IPv4 (IFA_ADDRESS is the peer
    /// on point-to-point links), IPv6 only sends IFA_ADDRESS.
    private static func decodeAddress(_ bytes: [UInt8], payload: Range<Int>) -> (UInt32, VIP)? {
        guard payload.count >= ifaddrmsgLength,
            let index = bytes.readHostOrder(UInt32.self, at: payload.lowerBound + 4)
        else {
            return nil
        }
        let familyValue = CInt(bytes[payload.lowerBound])
        let prefix = bytes[payload.lowerBound + 1]
        let family: VIP.Family
        switch familyValue {
        case AF_INET: family = .inet
        case AF_INET6: family = .inet6
        default: return nil
        }
        var local: [UInt8]?
        var address: [UInt8]?
        var offset = payload.lowerBound + ifaddrmsgLength
        while offset + 4 <= payload.upperBound {
            guard let length = bytes.readHostOrder(UInt16.self, at: offset),
                let type = bytes.readHostOrder(UInt16.self, at: offset + 2),
                length >= 4, offset + Int(length) <= payload.upperBound
            else {
                break
            }
            let value = Array(bytes[(offset + 4)..<(offset + Int(length))])
            switch Int32(type) {
            case Int32(IFA_LOCAL): local = value
            case Int32(IFA_ADDRESS): address = value
            default: break
            }
            offset += Int(CNetlink_RTA_ALIGN(UInt32(length)))
        }
        guard let chosen = local ?? address, let vip = VIP(family: family, addressBytes: chosen, prefixLength: prefix)
        else {
            return nil
        }
        return (index, vip)
    }
}
