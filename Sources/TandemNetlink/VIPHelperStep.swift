/// One timed step of a helper operation, so the daemon can report where a failover's milliseconds went.
///
/// `{"step":"netlink-add","ms":0.42,"result":"added"}`,
/// `{"step":"garp","ms":0.05,"count":3,"plannedMs":200}`: for announcements `ms` is the first send (the others
/// follow on timers, `count` in all over `plannedMs`).
public struct VIPHelperStep: Codable, Sendable, Equatable {
    /// `interface-lookup`, `netlink-add`, `netlink-delete`, `garp` or `unsolicited-na`.
    public var step: String
    /// How long the step took, in milliseconds (microsecond resolution).
    public var ms: Double
    /// The outcome, e.g. `added`, `already-present`, `removed`, `already-gone`.
    public var result: String?
    /// For announcements: how many will be sent in this burst.
    public var count: Int?
    /// For announcements: from the first send to the last, in milliseconds.
    public var plannedMs: Double?

    /// Creates a step.
    public init(step: String, ms: Double, result: String? = nil, count: Int? = nil, plannedMs: Double? = nil) {
        self.step = step
        self.ms = ms
        self.result = result
        self.count = count
        self.plannedMs = plannedMs
    }

    /// Milliseconds of `duration`, rounded to the microsecond.
    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        let microseconds = Double(seconds) * 1_000_000 + (Double(attoseconds) / 1e12).rounded()
        return microseconds / 1000
    }
}
