import NIOCore
import TandemBalancing
import TandemHealth

extension BackendRuntime {
    /// Starts the active health checks configured by `health:` on `eventLoop`; a transition updates the
    /// balancer at once. Every server starts UP. Does nothing without `health:`, when already started, or
    /// after `stop()`.
    ///
    /// Servers disabled in the configuration are checked too, so their health is known the moment an
    /// operator enables them. `initial` are counters a reload carried over, by server index.
    func startHealthChecks(on eventLoop: any EventLoop, initial: [Int: HealthCounter] = [:]) {
        guard let settings = healthSettings else { return }
        let timeout = TimeAmount(settings.timeout)
        let targets = servers.enumerated().map { index, server in
            let probe: HealthProbe
            switch settings.kind {
            case .http(let path, let expect, let host):
                probe = .http(
                    HTTPProbe(target: server.address, path: path, host: host, expectStatus: expect, timeout: timeout)
                )
            case .tcp:
                probe = .tcp(TCPProbe(target: server.address, timeout: timeout))
            }
            return HealthChecker.Target(serverIndex: index, serverName: server.name, probe: probe)
        }
        let checker = HealthChecker(
            backendName: name,
            targets: targets,
            interval: TimeAmount(settings.interval),
            rise: settings.rise,
            fall: settings.fall,
            eventLoop: eventLoop,
            logger: logger,
            initialCounters: initial
        ) { [weak self] index, health, _ in
            self?.withBalancer { $0.setHealth(index, health) }
        }
        let isNew = background.withLock { work in
            guard !work.isStopped, work.checker == nil else { return false }
            work.checker = checker
            return true
        }
        if isNew { checker.start() }
    }

    /// Stops the health checks and the outlier timer (at drain); completes once probes in flight ended.
    func stopBackgroundWork() async {
        let (checker, expiry) = background.withLock { work in
            work.isStopped = true
            defer { work.expiry = nil }
            return (work.checker, work.expiry?.timer)
        }
        expiry?.cancel()
        try? await checker?.stop().get()
    }
}
