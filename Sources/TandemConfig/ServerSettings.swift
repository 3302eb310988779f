/// One server of a backend (`backends[].servers[]`).
public struct ServerSettings: Sendable, Equatable {
    /// Unique within its backend.
    public var name: String
    public var address: SocketAddressSpec
    /// 1...256; relative share of traffic.
    public var weight: Int
    /// A disabled server gets no traffic and no health checks.
    public var isDisabled: Bool

    public init(name: String, address: SocketAddressSpec, weight: Int = 1, isDisabled: Bool = false) {
        self.name = name
        self.address = address
        self.weight = weight
        self.isDisabled = isDisabled
    }
}
