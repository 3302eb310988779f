import TandemBalancing
import TandemConfig
import TandemHealth

extension BackendRuntime {
    /// A replaced backend's run-time state, by server name, handed to its successor at the swap.
    struct RunTimeState: Sendable {
        /// One server's state.
        struct Server: Sendable {
            var state: ServerState
            var outliers: OutlierDetector.History?
            var counter: HealthCounter?
        }

        /// The settings in force before the reload, which tell a run-time change from a change in the file.
        var settings: BackendSettings
        var servers: [String: Server]
    }

    /// Whether a backend a reload retired serves nothing any more (no request in flight or queued).
    var isFinished: Bool {
        withState { state in state.queue.isEmpty && state.balancer.servers.allSatisfy { $0.inFlight == 0 } }
    }

    /// Stops the health checks and the outlier timer for good, then reads each server's health counter by name.
    /// A reload calls it just before the swap, so no transition happens between the read and the swap.
    func stopForReload() async -> [String: HealthCounter] {
        let checker = background.withLock { $0.checker }
        await stopBackgroundWork()
        guard let counters = try? await checker?.counters().get() else { return [:] }
        return Dictionary(uniqueKeysWithValues: counters.map { (servers[$0.key].name, $0.value) })
    }

    /// Every server's run-time state now; `counters` come from ``stopForReload()``.
    func runTimeState(counters: [String: HealthCounter]) -> RunTimeState {
        withState { state in
            var servers: [String: RunTimeState.Server] = [:]
            for (index, server) in state.balancer.servers.enumerated() {
                servers[server.name] = RunTimeState.Server(
                    state: server,
                    outliers: state.outliers?.history(of: index),
                    counter: counters[server.name]
                )
            }
            return RunTimeState(settings: settings, servers: servers)
        }
    }

    /// Takes over the run-time state of the servers `previous` also has, and returns the health counters to
    /// start the checks with, by server index.
    ///
    /// The rule (HAProxy's `load-server-state-from-file` keeps the same one): what an operator set at run time
    /// (`tandem server drain|disable|enable|weight`) outlives the reload unless the file changed that same
    /// setting — editing a server's `weight` (or `disabled`) in the file means the file's value is wanted; leaving
    /// it alone keeps the run-time one. Health and ejections describe an address: they carry over while the
    /// address and the checks stay (a DOWN server stays DOWN), and start afresh, as at start, when the server
    /// moved or checks were just added. Requests in flight stay counted on the old backend, where they finish.
    func adopt(_ previous: RunTimeState) -> [Int: HealthCounter] {
        let health = settings.health
        let checkedBefore = previous.settings.health != nil
        let counters = withState { state -> [Int: HealthCounter] in
            var counters: [Int: HealthCounter] = [:]
            for (index, server) in settings.servers.enumerated() {
                guard let before = previous.servers[server.name],
                    let configured = previous.settings.servers.first(where: { $0.name == server.name })
                else { continue }
                if configured.isDisabled == server.isDisabled { state.balancer.setAdmin(index, before.state.admin) }
                if configured.weight == server.weight { state.balancer.setWeight(index, before.state.weight) }
                guard configured.address == server.address else { continue }
                if let health, checkedBefore {
                    state.balancer.setHealth(index, before.state.health)
                    if let counter = before.counter, counter.rise == health.rise, counter.fall == health.fall {
                        counters[index] = counter
                    } else {
                        counters[index] = HealthCounter(
                            rise: health.rise,
                            fall: health.fall,
                            initial: before.state.health
                        )
                    }
                }
                if let history = before.outliers, state.outliers != nil {
                    state.outliers?.restore(history, of: index)
                    state.balancer.setEjected(index, history.isEjected)
                }
            }
            return counters
        }
        scheduleOutlierExpiry()
        return counters
    }
}
