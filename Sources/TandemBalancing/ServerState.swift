/// What a server looks like to a policy: its configuration, measured health, operator state and load.
public struct ServerState: Sendable, Equatable {
    /// The weights a server may have; values outside are clamped into it.
    public static let weightRange = 1...256

    /// The configured server name, unique within its backend.
    public let name: String
    /// Relative share of traffic, within ``weightRange``.
    public var weight: Int {
        didSet { weight = Self.clampedWeight(weight) }
    }
    /// Verdict of the active health checks.
    public var health: HealthCounter.Health
    /// The operator's intent.
    public var admin: AdminState
    /// True while passive outlier detection keeps the server out.
    public var isEjected: Bool
    /// Requests currently being served.
    public var inFlight: Int
    /// Most concurrent requests; nil means unlimited.
    public var maxConnections: Int?

    /// May take new requests, capacity aside: up, enabled and not ejected.
    public var isUsable: Bool {
        health == .up && admin == .enabled && !isEjected
    }

    /// May take a new request now: usable and below `maxConnections`.
    public var isEligible: Bool {
        guard isUsable else { return false }
        guard let maxConnections else { return true }
        return inFlight < maxConnections
    }

    public init(name: String, weight: Int = 1, maxConnections: Int? = nil) {
        self.name = name
        self.weight = Self.clampedWeight(weight)
        self.health = .up
        self.admin = .enabled
        self.isEjected = false
        self.inFlight = 0
        self.maxConnections = maxConnections
    }

    /// True when this server is less loaded than `other` relative to weight.
    ///
    /// Compares `(inFlight + 1) / weight` by cross-multiplying, so there are no floats; the `+ 1`
    /// (as in HAProxy's leastconn) makes weights count even when both servers are idle.
    func hasLowerLoad(than other: ServerState) -> Bool {
        (inFlight + 1) * other.weight < (other.inFlight + 1) * weight
    }

    private static func clampedWeight(_ weight: Int) -> Int {
        min(max(weight, weightRange.lowerBound), weightRange.upperBound)
    }
}
