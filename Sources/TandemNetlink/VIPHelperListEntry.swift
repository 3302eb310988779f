/// One VIP in a `list` reply.
public struct VIPHelperListEntry: Codable, Sendable, Equatable {
    /// `ADDRESS/PREFIX`.
    public var vip: String
    /// The interface name.
    public var interface: String
    /// Whether the address is on the interface now (checked with an RTM_GETADDR dump).
    public var present: Bool
    /// How many open connections hold a claim on it.
    public var claimants: Int

    /// Creates an entry.
    public init(vip: String, interface: String, present: Bool, claimants: Int) {
        self.vip = vip
        self.interface = interface
        self.present = present
        self.claimants = claimants
    }
}
