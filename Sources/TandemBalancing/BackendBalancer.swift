/// One backend's servers and its policy: what the data plane calls per request, under its own lock.
///
/// Owns the authoritative ``ServerState`` array; every state change goes through a setter here so the
/// policy is told (``BalancingPolicy/serversChanged(_:)``) before the next pick.
public struct BackendBalancer: Sendable {
    /// The outcome of a pick.
    public enum Pick: Sendable, Equatable {
        /// Send the request to the server at this index (then call ``acquire(_:)``).
        case server(Int)
        /// Usable servers exist but all are at `maxConnections`: queue the request.
        case allBusy
        /// No usable server: answer 503 at once.
        case noneAvailable
    }

    /// The backend's name, part of every persistence cookie value.
    public let name: String
    /// The servers, in configuration order; indices are stable for the balancer's lifetime.
    public private(set) var servers: [ServerState]
    /// The algorithm the policy implements.
    public let algorithm: BalancingAlgorithm
    private var policy: any BalancingPolicy
    private let cookieValues: [String]

    public init(
        name: String,
        servers: [ServerState],
        algorithm: BalancingAlgorithm,
        seed: UInt64 = UInt64.random(in: .min ... .max)
    ) {
        self.name = name
        self.servers = servers
        self.algorithm = algorithm
        self.policy = makePolicy(algorithm, servers: servers, seed: seed)
        self.cookieValues = servers.map { PersistenceCookie.value(backend: name, server: $0.name) }
    }

    /// Chooses a server for a request, never one in `avoiding` (servers already tried for it).
    public mutating func pick(key: BalancingKey = .none, avoiding: Set<Int> = []) -> Pick {
        if let index = policy.pick(from: servers, key: key, avoiding: avoiding) {
            return .server(index)
        }
        let anyUsable = servers.indices.contains { servers[$0].isUsable && !avoiding.contains($0) }
        return anyUsable ? .allBusy : .noneAvailable
    }

    /// Counts a request starting on server `index`.
    public mutating func acquire(_ index: Int) {
        servers[index].inFlight += 1
    }

    /// Counts a request on server `index` as finished.
    public mutating func release(_ index: Int) {
        assert(servers[index].inFlight > 0, "release without acquire on \(servers[index].name)")
        servers[index].inFlight = max(0, servers[index].inFlight - 1)
    }

    /// Records the active health verdict for server `index`.
    public mutating func setHealth(_ index: Int, _ health: HealthCounter.Health) {
        update(index) { $0.health = health }
    }

    /// Records the operator's intent for server `index`.
    public mutating func setAdmin(_ index: Int, _ state: AdminState) {
        update(index) { $0.admin = state }
    }

    /// Changes the weight of server `index` (clamped to ``ServerState/weightRange``).
    public mutating func setWeight(_ index: Int, _ weight: Int) {
        update(index) { $0.weight = weight }
    }

    /// Records a passive outlier ejection (or its end) for server `index`.
    public mutating func setEjected(_ index: Int, _ ejected: Bool) {
        update(index) { $0.isEjected = ejected }
    }

    /// The index of the server called `name`, if any.
    public func index(named name: String) -> Int? {
        servers.firstIndex { $0.name == name }
    }

    /// Requests in flight on the server called `name` (how a drain knows it is finished); nil if unknown.
    public func inFlight(named name: String) -> Int? {
        index(named: name).map { servers[$0].inFlight }
    }

    /// The persistence cookie value of server `index`.
    public func cookieValue(for index: Int) -> String {
        cookieValues[index]
    }

    /// The index of the server whose persistence cookie value is `cookieValue`; nil for unknown or
    /// forged values. The caller decides whether that server may still take the request.
    public func persistentServer(cookieValue: String) -> Int? {
        cookieValues.firstIndex(of: cookieValue)
    }

    private mutating func update(_ index: Int, _ change: (inout ServerState) -> Void) {
        let before = servers[index]
        change(&servers[index])
        if servers[index] != before {
            policy.serversChanged(servers)
        }
    }
}
