/// A virtual address (`ha.vips[]`) and the interface the active node adds it to.
public struct VIPSettings: Sendable, Equatable {
    public var address: CIDRSpec
    /// Linux interface name, 1-15 characters.
    public var interface: String

    public init(address: CIDRSpec, interface: String) {
        self.address = address
        self.interface = interface
    }
}
