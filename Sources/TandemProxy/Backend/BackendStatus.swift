import TandemBalancing
import TandemHealth

/// One server's run-time state as the status page and the admin socket show it.
public struct BackendStatus: Sendable, Equatable {
    public var backend: String
    public var server: String
    /// `host:port`.
    public var address: String
    public var weight: Int
    /// The active health checks' verdict (`.up` when the backend has no `health:`).
    public var health: HealthCounter.Health
    /// The operator's intent: enabled, draining or disabled.
    public var admin: AdminState
    /// Requests being served now; a draining server is finished when this reaches 0.
    public var inFlight: Int
    /// True while passive outlier detection keeps the server out.
    public var isEjected: Bool
    /// The latest active health probe; nil without `health:` or before the first probe ended.
    public var lastCheck: ProbeOutcome?

    public init(
        backend: String,
        server: String,
        address: String,
        weight: Int,
        health: HealthCounter.Health,
        admin: AdminState,
        inFlight: Int,
        isEjected: Bool,
        lastCheck: ProbeOutcome? = nil
    ) {
        self.backend = backend
        self.server = server
        self.address = address
        self.weight = weight
        self.health = health
        self.admin = admin
        self.inFlight = inFlight
        self.isEjected = isEjected
        self.lastCheck = lastCheck
    }
}
