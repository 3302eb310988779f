/// One shared secret of the heartbeat keyring, named by the id that travels in each packet.
public struct HeartbeatKey: Sendable, Hashable {
    /// The shortest secret accepted: 32 bytes, the output size of SHA-256.
    public static let minimumLength = 32

    /// 1...255; carried in the packet so the receiver knows which key to verify with.
    public let id: UInt8
    /// The secret bytes (at least ``minimumLength``).
    public let secret: [UInt8]

    /// Creates a key, or returns nil when the id is 0 or the secret is shorter than ``minimumLength``.
    public init?(id: UInt8, secret: [UInt8]) {
        guard id != 0, secret.count >= Self.minimumLength else { return nil }
        self.id = id
        self.secret = secret
    }
}
