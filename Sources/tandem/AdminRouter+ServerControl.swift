import Logging
import TandemBalancing
import TandemControl
import TandemHealth
import TandemProxy

extension AdminRouter {
    /// Serves `backends` and `server` from `proxy` (`tandem backends`, `tandem server`); each change is logged,
    /// since it outlives the command and the configuration does not show it.
    mutating func registerServerControl(proxy: ProxyServer, logger: Logger) {
        registerServerControl(
            servers: { proxy.backendRows() },
            apply: { request in
                let result = try proxy.setServerState(
                    backend: request.backend,
                    server: request.server,
                    ServerAction(request.action)
                )
                // The result is the state right after the change; the rest of the row is read just after.
                guard var row = proxy.backendRows().first(where: { $0.target == request.target }) else {
                    // A reload removed it between the change and this read.
                    throw ServerControlError(.unknownServer, "\(request.target) was removed by a reload just now")
                }
                row.admin = BackendsReport.Admin(result.admin)
                row.weight = result.weight
                row.inFlight = result.inFlight
                logger.notice("admin: \(row.summary(after: request.action))")
                return row
            }
        )
    }
}

extension ProxyServer {
    /// Every server as `tandem backends` shows it.
    func backendRows() -> [BackendsReport.Server] {
        serverStatuses().map { status in
            BackendsReport.Server(
                backend: status.backend,
                server: status.server,
                address: status.address,
                health: status.health == .up ? .up : .down,
                admin: BackendsReport.Admin(status.admin),
                weight: status.weight,
                inFlight: status.inFlight,
                backendQueue: queuedRequests(backend: status.backend) ?? 0,
                lastCheck: status.lastCheck.map {
                    switch $0 {
                    case .success: "ok"
                    case .failure(let reason): reason
                    }
                },
                ejected: status.isEjected
            )
        }
    }
}

extension BackendsReport.Admin {
    init(_ state: AdminState) {
        switch state {
        case .enabled: self = .ready
        case .draining: self = .drain
        case .disabled: self = .disabled
        }
    }
}

extension ServerAction {
    init(_ action: ServerControlRequest.Action) {
        switch action {
        case .drain: self = .drain
        case .disable: self = .disable
        case .enable: self = .enable
        case .weight(let weight): self = .weight(weight)
        }
    }
}
