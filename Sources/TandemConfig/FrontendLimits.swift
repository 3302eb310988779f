/// Size and connection limits of a frontend (`frontends[].limits`), the first defence against floods.
public struct FrontendLimits: Sendable, Equatable {
    public var maxHeaderBytes: Int
    public var maxURIBytes: Int
    /// Concurrent client connections; beyond it new connections are refused.
    public var maxConnections: Int

    public init(maxHeaderBytes: Int = 65536, maxURIBytes: Int = 8192, maxConnections: Int = 10000) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxURIBytes = maxURIBytes
        self.maxConnections = maxConnections
    }
}
