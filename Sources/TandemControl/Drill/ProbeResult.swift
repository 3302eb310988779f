/// One drill probe: a new connection, one `GET`, the status line or the failure.
public struct ProbeResult: Sendable, Equatable {
    /// When the probe started, from the start of the drill.
    public var sentAt: Duration
    /// When it ended (answer, error or timeout), from the start of the drill.
    public var endedAt: Duration
    /// The response's status code, when one arrived.
    public var status: Int?
    /// Why it failed: `timeout`, `refused`, `reset`, `closed`, `status 503`...
    public var failure: String?

    public init(sentAt: Duration, endedAt: Duration, status: Int?, failure: String?) {
        self.sentAt = sentAt
        self.endedAt = endedAt
        self.status = status
        self.failure = failure
    }

    /// Whether the service answered: a response below 500 in time.
    public var ok: Bool { failure == nil }
}
