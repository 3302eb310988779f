extension AdminRouter {
    /// Serves `handover` (used by `tandem drill` and `tandem failover`): arguments `drain=MS`, `hold=MS` and
    /// `wait=MS`; the answer carries a ``HandoverReport``. `windDown` switches the proxy's keep-alive
    /// wind-down and returns the connections asked to close.
    public mutating func registerHandover(ha: HARuntime, windDown: @escaping @Sendable (Bool) -> Int) {
        register("handover") { request in
            var plan = HARuntime.HandoverPlan(drain: .zero, hold: .seconds(300), wait: .seconds(3))
            for argument in request.arguments ?? [] {
                let parts = argument.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let milliseconds = Int64(parts[1]), milliseconds >= 0 else {
                    return .failure("handover: bad argument \"\(argument)\" (want drain=MS, hold=MS, wait=MS)")
                }
                let value = Duration.milliseconds(milliseconds)
                switch parts[0] {
                case "drain": plan.drain = value
                case "hold": plan.hold = value
                case "wait": plan.wait = value
                default: return .failure("handover: unknown argument \"\(parts[0])\" (want drain, hold, wait)")
                }
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
