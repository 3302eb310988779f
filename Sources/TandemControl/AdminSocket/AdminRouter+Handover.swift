extension AdminRouter {
    /// Serves `handover` (used by `tandem drill` and `tandem failover`): arguments `drain=MS`, `hold=MS` and
    /// `wait=MS`; the answer carries a ``HandoverReport``. `windDown` switches the proxy's keep-alive
    /// wind-down and returns the connections asked to close.
    public mutating func registerHandover(ha: HARuntime, windDown: @escaping @Sendable (Bool) -> Int) {
        register("handover") { request in
            let defaults = HARuntime.HandoverPlan(drain: .zero, hold: .seconds(300), wait: .seconds(3))
            let plan: HARuntime.HandoverPlan
            switch HARuntime.HandoverPlan.parse(request.arguments ?? [], defaults: defaults) {
            case .success(let parsed): plan = parsed
            case .failure(let problem): return .failure(problem.description)
            }
            switch await ha.handover(plan: plan, windDown: windDown) {
            case .success(let report):
                return AdminResponse(ok: true, message: report.summary, handover: report)
            case .failure(let error):
                return AdminResponse(ok: false, error: error.description, handover: error.report)
            }
        }
    }
}
