/// One or more VIP helper calls failed; every VIP was still attempted.
public struct HelperVIPControllerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One entry per failed VIP (`VIP@IFACE: reason`), or the missing connection.
    public let failures: [String]

    public var description: String {
        failures.joined(separator: "; ")
    }
}
