/// Decides which log lines to emit so that a flood (e.g. forged packets) cannot flood the log: at most
/// `limit` lines per `interval`, then one "suppressed K" summary
/// with the first line of a later interval. Pure.
public struct RateLimitedLog<C: Clock>: Sendable where C.Duration == Duration {
    /// At most this many lines per interval.
    public let limit: Int
    /// The length of one accounting interval.
    public let interval: Duration

    private var windowStart: C.Instant?
    private var emittedInWindow = 0
    private var suppressedInWindow = 0

    public init(limit: Int = 10, interval: Duration = .seconds(60)) {
        precondition(limit > 0, "a rate limit must allow at least one line")
        self.limit = limit
        self.interval = interval
    }

    /// The lines to write now for `message` observed at `now`: zero, one, or a suppression summary plus it.
    public mutating func lines(for message: String, at now: C.Instant) -> [String] {
        var output: [String] = []
        let inCurrentWindow = windowStart.map { $0.duration(to: now) < interval } ?? false
        if !inCurrentWindow {
            if suppressedInWindow > 0 {
                output.append("suppressed \(suppressedInWindow) similar messages")
            }
            windowStart = now
            emittedInWindow = 0
            suppressedInWindow = 0
        }
        if emittedInWindow < limit {
            emittedInWindow += 1
            output.append(message)
        } else {
            suppressedInWindow += 1
        }
        return output
    }
}
