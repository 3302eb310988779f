/// One `--allow CIDR@IFACE` entry of the VIP helper: which VIPs may be added to which interface.
///
/// Matching rule (deliberately strict, so a compromised daemon cannot take an arbitrary address):
/// - an entry with host bits set (`198.18.0.100/24@eth0`) allows exactly that address with exactly that
///   prefix length on that interface;
/// - an entry whose host bits are all zero (`198.18.0.0/24@eth0`) names a network and allows any address
///   inside it, with the same prefix length, on that interface (`198.18.0.100/24` yes, `198.18.0.100/32` no).
/// The interface name must match exactly.
public struct VIPAllowRule: Hashable, Sendable, CustomStringConvertible {
    /// The allowed address (host bits set) or network (host bits zero).
    public let vip: VIP
    /// The interface the VIP may be added to.
    public let interface: String

    /// Creates a rule from its parts.
    public init(vip: VIP, interface: String) {
        self.vip = vip
        self.interface = interface
    }

    /// Parses `CIDR@IFACE`, e.g. `198.18.0.100/24@eth0`; nil when malformed.
    public init?(parsing text: String) {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let vip = VIP(parsing: String(parts[0])),
            Self.isValidInterfaceName(parts[1])
        else {
            return nil
        }
        self.init(vip: vip, interface: String(parts[1]))
    }

    /// `CIDR@IFACE`.
    public var description: String {
        "\(vip)@\(interface)"
    }

    /// True when this rule allows `candidate` on `interface` (see the type's matching rule).
    public func permits(_ candidate: VIP, on interface: String) -> Bool {
        guard interface == self.interface, candidate.prefixLength == vip.prefixLength else {
            return false
        }
        if candidate == vip {
            return true
        }
        return vip.hasZeroHostBits && vip.networkContains(candidate)
    }

    /// Linux interface names: 1 to 15 bytes, no `/`, whitespace or `@`.
    static func isValidInterfaceName(_ name: Substring) -> Bool {
        guard (1...15).contains(name.utf8.count) else {
            return false
        }
        return !name.contains { $0 == "/" || $0 == "@" || $0.isWhitespace }
    }
}
