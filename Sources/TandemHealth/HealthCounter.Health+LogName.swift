import TandemBalancing

extension HealthCounter.Health {
    /// The upper-case word used in transition log lines.
    var logName: String {
        switch self {
        case .up: "UP"
        case .down: "DOWN"
        }
    }
}
