/// Passive health: ejects a server after consecutive failed requests, for a growing period.
///
/// `consecutiveFailures` failures in a row (connect failures or 5xx answers) eject a server for
/// `baseEjection × times`, where `times` counts its ejections, capped at `maxEjection`; a server that
/// keeps failing thus stays out longer each time. At most `maxEjectedPercent` of the servers
/// (rounded down) are ever ejected at once, so a backend-wide problem cannot empty the backend; a
/// server that would exceed the cap stays in. A server that stays in for `maxEjection` after being
/// restored has its `times` forgotten. Time is injected, so the detector reads no clock.
public struct OutlierDetector: Sendable {
    /// A change the caller must apply (``BackendBalancer/setEjected(_:_:)``) and may log.
    public enum Event: Sendable, Equatable {
        /// The server is ejected until `until`; this is its `times`-th ejection.
        case ejected(server: Int, until: ContinuousClock.Instant, times: Int)
        /// The server's ejection ended.
        case restored(server: Int)
    }

    struct Record: Sendable, Equatable {
        /// Failures in a row since the last success or restoration.
        var failures = 0
        /// Ejections so far (the backoff multiplier).
        var times = 0
        /// End of the current ejection; nil when not ejected.
        var ejectedUntil: ContinuousClock.Instant?
        /// When the last ejection ended; nil if never ejected or already forgiven.
        var restoredAt: ContinuousClock.Instant?
    }

    public let consecutiveFailures: Int
    public let baseEjection: Duration
    public let maxEjection: Duration
    /// Most servers that may be ejected at once.
    public let maxEjected: Int
    private var records: [Record]

    public init(
        serverCount: Int,
        consecutiveFailures: Int = 5,
        baseEjection: Duration = .seconds(30),
        maxEjection: Duration = .seconds(300),
        maxEjectedPercent: Int = 50
    ) {
        precondition(serverCount >= 0 && consecutiveFailures > 0, "invalid outlier detector settings")
        precondition(baseEjection > .zero && maxEjection >= baseEjection, "invalid ejection durations")
        precondition((0...100).contains(maxEjectedPercent), "maxEjectedPercent must be within 0...100")
        self.consecutiveFailures = consecutiveFailures
        self.baseEjection = baseEjection
        self.maxEjection = maxEjection
        self.maxEjected = serverCount * maxEjectedPercent / 100
        self.records = Array(repeating: Record(), count: serverCount)
    }

    /// One server's failure streak, backoff and ejection, carried to the detector of a reloaded backend so a
    /// config reload neither ends an ejection early nor forgets how often the server was ejected.
    public struct History: Sendable, Equatable {
        let record: Record

        /// Whether the server is ejected at the moment the history was taken.
        public var isEjected: Bool { record.ejectedUntil != nil }
    }

    /// The history of `server`, to hand to ``restore(_:of:)`` on another detector.
    public func history(of server: Int) -> History {
        History(record: records[server])
    }

    /// Makes `history` the state of `server` (its ejection ends when it would have on the old detector).
    public mutating func restore(_ history: History, of server: Int) {
        records[server] = history.record
    }

    /// True while `server` is ejected.
    public func isEjected(_ server: Int) -> Bool {
        records[server].ejectedUntil != nil
    }

    /// The earliest end of a current ejection: when the caller should next call ``expire(at:)``.
    public var nextExpiry: ContinuousClock.Instant? {
        records.compactMap(\.ejectedUntil).min()
    }

    /// Records a failed request on `server`; returns the ejection it triggers, if any.
    ///
    /// Failures of requests still in flight on an already ejected server are ignored.
    public mutating func recordFailure(server: Int, at now: ContinuousClock.Instant) -> Event? {
        guard records[server].ejectedUntil == nil else { return nil }
        forgiveIfDue(server, at: now)
        records[server].failures += 1
        guard records[server].failures >= consecutiveFailures else { return nil }
        let ejectedCount = records.count { $0.ejectedUntil != nil }
        // Over the cap the failure streak is kept, so the server goes as soon as there is room.
        guard ejectedCount < maxEjected else { return nil }
        records[server].times += 1
        let times = records[server].times
        let until = now + min(baseEjection * times, maxEjection)
        records[server].failures = 0
        records[server].ejectedUntil = until
        records[server].restoredAt = nil
        return .ejected(server: server, until: until, times: times)
    }

    /// Records a successful request on `server`: its failure streak ends.
    public mutating func recordSuccess(server: Int) {
        records[server].failures = 0
    }

    /// Restores every server whose ejection ended at or before `now`, in index order.
    public mutating func expire(at now: ContinuousClock.Instant) -> [Event] {
        var events: [Event] = []
        for server in records.indices {
            forgiveIfDue(server, at: now)
            guard let until = records[server].ejectedUntil, until <= now else { continue }
            records[server].ejectedUntil = nil
            records[server].failures = 0
            records[server].restoredAt = now
            events.append(.restored(server: server))
        }
        return events
    }

    /// Forgets the backoff of a server that has stayed in for `maxEjection` since its restoration.
    private mutating func forgiveIfDue(_ server: Int, at now: ContinuousClock.Instant) {
        guard let restoredAt = records[server].restoredAt, now - restoredAt >= maxEjection else { return }
        records[server].times = 0
        records[server].restoredAt = nil
    }
}
