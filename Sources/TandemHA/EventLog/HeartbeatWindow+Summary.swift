extension HeartbeatWindow {
    /// The statistics of a closed window.
    struct Summary: Sendable, Hashable {
        var window: Duration
        var sent: Int
        var received: Int
        var expected: Int
        var lost: Int
        /// lost ÷ expected × 100, 0 when nothing was expected.
        var lossPercent: Double
        var rttP50: Duration?
        var rttP99: Duration?
        var jitter: Duration?
        var rejected: Int
        var peer: String?
        var peerAlive: Bool
    }
}
