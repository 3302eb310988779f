import NIOCore

/// What a raw client connection delivers next.
enum RawClientEvent: Sendable {
    case bytes(ByteBuffer)
    /// The peer closed (or reset) the connection.
    case closed
    /// Nothing arrived within the time asked for.
    case timedOut
}
