/// One probe: a `GET` (or a layer-4 connect), the status line or the failure.
public struct ProbeResult: Sendable, Equatable {
    /// When the probe started, from the start of the prober.
    public var sentAt: Duration
    /// When it ended (answer, error or timeout), from the start of the prober.
    public var endedAt: Duration
    /// The response's status code, when one arrived.
    public var status: Int?
    /// Why it failed: `timeout`, `refused`, `reset`, `closed`, `status 503`...
    public var failure: String?
    /// On a kept connection (`keepAlive`), which one: 1 for the first opened, 2 for the next...; nil for a probe on a
    /// new connection of its own.
    public var connection: Int?

    public init(sentAt: Duration, endedAt: Duration, status: Int?, failure: String?, connection: Int? = nil) {
        self.sentAt = sentAt
        self.endedAt = endedAt
        self.status = status
        self.failure = failure
        self.connection = connection
    }

    /// Whether the service answered: a response below 500 in time.
    public var ok: Bool { failure == nil }
}
