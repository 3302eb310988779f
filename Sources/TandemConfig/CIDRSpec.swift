/// An address with its prefix length, like `198.18.0.100/24`: a VIP as it is added to an interface.
public struct CIDRSpec: Sendable, Hashable, CustomStringConvertible {
    /// The address as written.
    public var address: String
    /// 0...32 for IPv4, 0...128 for IPv6.
    public var prefixLength: Int
    public var isIPv6: Bool

    public init(address: String, prefixLength: Int, isIPv6: Bool) {
        self.address = address
        self.prefixLength = prefixLength
        self.isIPv6 = isIPv6
    }

    /// Parses `address/prefix`; nil when the address is not an IP literal or the prefix is out of range.
    public init?(configString: String) {
        guard let spec = try? Self.parse(configString) else {
            return nil
        }
        self = spec
    }

    /// `address/prefix`.
    public var description: String {
        "\(address)/\(prefixLength)"
    }

    static func parse(_ text: String) throws(ValueProblem) -> CIDRSpec {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw ValueProblem("expected an address with a prefix length like 198.18.0.100/24, got \"\(text)\"")
        }
        let address = String(parts[0])
        guard let isIPv6 = IPAddressLiteral.family(of: address) else {
            throw ValueProblem("\"\(address)\" is not an IPv4 or IPv6 address")
        }
        let maximum = isIPv6 ? 128 : 32
        guard !parts[1].isEmpty, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let prefix = Int(parts[1]),
            (0...maximum).contains(prefix)
        else {
            throw ValueProblem("prefix length must be between 0 and \(maximum), got \"\(parts[1])\"")
        }
        return CIDRSpec(address: address, prefixLength: prefix, isIPv6: isIPv6)
    }
}
