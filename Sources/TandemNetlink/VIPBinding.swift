/// A VIP on a named interface: the unit the helper claims, releases and tracks ownership of.
public struct VIPBinding: Hashable, Sendable, CustomStringConvertible {
    /// The address and prefix.
    public let vip: VIP
    /// The interface name.
    public let interface: String

    /// Creates a binding.
    public init(vip: VIP, interface: String) {
        self.vip = vip
        self.interface = interface
    }

    /// `ADDRESS/PREFIX@IFACE`.
    public var description: String {
        "\(vip)@\(interface)"
    }
}
