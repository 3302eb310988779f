#if canImport(Glibc)
import Glibc
#endif

/// A virtual IP address with its prefix length, as written in configuration (`198.18.0.100/24`).
///
/// The address keeps its host bits: `198.18.0.100/24` is the address 198.18.0.100 on a /24 network, which is
/// what `ip addr add` and RTM_NEWADDR take.
public struct VIP: Hashable, Sendable, CustomStringConvertible {
    /// The address family.
    public enum Family: Hashable, Sendable {
        /// IPv4 (AF_INET), 4 address bytes.
        case inet
        /// IPv6 (AF_INET6), 16 address bytes.
        case inet6
    }

    /// The address family.
    public let family: Family
    /// The address in network byte order: 4 bytes for IPv4, 16 for IPv6.
    public let addressBytes: [UInt8]
    /// The prefix length (0...32 for IPv4, 0...128 for IPv6).
    public let prefixLength: UInt8

    /// Creates a VIP from raw bytes; fails if the byte count or the prefix does not fit the family.
    public init?(family: Family, addressBytes: [UInt8], prefixLength: UInt8) {
        guard addressBytes.count == family.addressLength, Int(prefixLength) <= family.addressLength * 8 else {
            return nil
        }
        self.family = family
        self.addressBytes = addressBytes
        self.prefixLength = prefixLength
    }

    /// Parses `ADDRESS/PREFIX` (IPv4 or IPv6). The prefix is required: a VIP without one is ambiguous.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let prefix = UInt8(parts[1]), !parts[1].hasPrefix("+") else {
            return nil
        }
        let addressText = String(parts[0])
        if let bytes = Self.presentationToBytes(addressText, family: AF_INET, length: 4) {
            self.init(family: .inet, addressBytes: bytes, prefixLength: prefix)
        } else if let bytes = Self.presentationToBytes(addressText, family: AF_INET6, length: 16) {
            self.init(family: .inet6, addressBytes: bytes, prefixLength: prefix)
        } else {
            return nil
        }
    }

    /// The address alone in presentation form (`198.18.0.100`).
    public var addressText: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let converted = addressBytes.withUnsafeBytes { bytes in
            inet_ntop(family.socketFamily, bytes.baseAddress, &buffer, socklen_t(buffer.count))
        }
        guard converted != nil else {
            return "?"
        }
        let utf8 = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: utf8, as: UTF8.self)
    }

    /// `ADDRESS/PREFIX`, the form the helper protocol and the allow list use.
    public var description: String {
        "\(addressText)/\(prefixLength)"
    }

    /// True when `other` lies inside this VIP's network (same family, same first `prefixLength` bits).
    public func networkContains(_ other: VIP) -> Bool {
        guard family == other.family else {
            return false
        }
        var remaining = Int(prefixLength)
        for index in addressBytes.indices where remaining > 0 {
            let bits = min(remaining, 8)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if addressBytes[index] & mask != other.addressBytes[index] & mask {
                return false
            }
            remaining -= bits
        }
        return true
    }

    /// True when every bit after the prefix is zero (`198.18.0.0/24`): the VIP names a network.
    public var hasZeroHostBits: Bool {
        var remaining = Int(prefixLength)
        for byte in addressBytes {
            let bits = min(max(remaining, 0), 8)
            let hostMask = UInt8(truncatingIfNeeded: 0xFF >> bits)
            if byte & hostMask != 0 {
                return false
            }
            remaining -= 8
        }
        return true
    }

    private static func presentationToBytes(_ text: String, family: CInt, length: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: length)
        let result = bytes.withUnsafeMutableBytes { inet_pton(family, text, $0.baseAddress) }
        return result == 1 ? bytes : nil
    }
}

extension VIP.Family {
    /// 4 for IPv4, 16 for IPv6.
    public var addressLength: Int {
        switch self {
        case .inet: 4
        case .inet6: 16
        }
    }

    /// AF_INET or AF_INET6.
    public var socketFamily: CInt {
        switch self {
        case .inet: AF_INET
        case .inet6: AF_INET6
        }
    }
}
