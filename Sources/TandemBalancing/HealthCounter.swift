/// Consecutive-result thresholds that flip a server's health: `fall` failures in a row take an UP
/// server DOWN, `rise` successes in a row bring a DOWN server back UP (HAProxy's `rise`/`fall`).
///
/// A single odd result never flips the state, so one lost probe does not remove a server.
public struct HealthCounter: Sendable, Equatable {
    /// The health a counter reports.
    public enum Health: Sendable, Equatable {
        case up
        case down
    }

    /// Successes in a row needed to go from DOWN to UP.
    public let rise: Int
    /// Failures in a row needed to go from UP to DOWN.
    public let fall: Int
    /// The current verdict.
    public private(set) var health: Health
    private var streak = 0

    public init(rise: Int, fall: Int, initial: Health = .up) {
        precondition(rise > 0 && fall > 0, "rise and fall must be positive")
        self.rise = rise
        self.fall = fall
        self.health = initial
    }

    /// Records one probe result and returns the new health when this result flipped it.
    public mutating func record(success: Bool) -> Health? {
        switch (health, success) {
        case (.up, true), (.down, false):
            streak = 0
            return nil
        case (.up, false):
            streak += 1
            guard streak >= fall else { return nil }
            health = .down
        case (.down, true):
            streak += 1
            guard streak >= rise else { return nil }
            health = .up
        }
        streak = 0
        return health
    }
}
