/// Size and connection limits of a frontend (`frontends[].limits`), the first defence against floods.
public struct FrontendLimits: Sendable, Equatable {
    public var maxHeaderBytes: Int
    public var maxURIBytes: Int
    /// Header fields in one request head; beyond it the request gets 431.
    public var maxHeaderFields: Int
    /// Bytes in one header field name; beyond it the request gets 431.
    public var maxHeaderNameBytes: Int
    /// Options listed in `Connection`; beyond it the request gets 400 (each one costs a pass over the fields).
    public var maxConnectionTokens: Int
    /// Concurrent client connections; beyond it new connections wait in the kernel's accept backlog.
    public var maxConnections: Int

    public init(
        maxHeaderBytes: Int = 65536,
        maxURIBytes: Int = 8192,
        maxHeaderFields: Int = 100,
        maxHeaderNameBytes: Int = 256,
        maxConnectionTokens: Int = 32,
        maxConnections: Int = 10000
    ) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxURIBytes = maxURIBytes
        self.maxHeaderFields = maxHeaderFields
        self.maxHeaderNameBytes = maxHeaderNameBytes
        self.maxConnectionTokens = maxConnectionTokens
        self.maxConnections = maxConnections
    }
}
