extension AdminRouter {
    /// Serves `backends` (every server's row, read-only) and `server ACTION BACKEND/SERVER [WEIGHT]`, whose answer
    /// carries the changed server's row and a sentence about it.
    ///
    /// TandemControl does not link the proxy, so the daemon passes it in: `servers` reads every row, `apply`
    /// changes one server and returns its row afterwards, or throws an error whose description names what is
    /// unknown or out of range (it reaches the operator as is).
    public mutating func registerServerControl(
        servers: @escaping @Sendable () -> [BackendsReport.Server],
        apply: @escaping @Sendable (ServerControlRequest) throws -> BackendsReport.Server
    ) {
        register("backends") { _ in
            AdminResponse(ok: true, backends: BackendsReport(servers: servers()))
        }
        register("server") { request in
            let parsed: ServerControlRequest
            switch ServerControlRequest.parse(request.arguments ?? []) {
            case .success(let request): parsed = request
            case .failure(let problem): return .failure(problem.description)
            }
            do {
                let row = try apply(parsed)
                return AdminResponse(
                    ok: true,
                    message: row.summary(after: parsed.action),
                    backends: BackendsReport(servers: [row])
                )
            } catch {
                return .failure("\(error)")
            }
        }
    }
}
