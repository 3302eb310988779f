import TandemBalancing

extension BackendRuntime {
    /// Applies `action` to the server called `serverName` and reports its state afterwards; waiting requests
    /// get any slot the change frees.
    func apply(_ action: ServerAction, toServer serverName: String) throws(ServerControlError) -> ServerControlResult {
        if case .weight(let weight) = action, !ServerState.weightRange.contains(weight) {
            throw ServerControlError(
                .invalidWeight,
                "weight \(weight) is outside \(ServerState.weightRange.lowerBound)...\(ServerState.weightRange.upperBound)"
            )
        }
        let backendName = name
        let result = withBalancer { balancer -> ServerControlResult? in
            guard let index = balancer.index(named: serverName) else { return nil }
            switch action {
            case .drain: balancer.setAdmin(index, .draining)
            case .disable: balancer.setAdmin(index, .disabled)
            case .enable: balancer.setAdmin(index, .enabled)
            case .weight(let weight): balancer.setWeight(index, weight)
            }
            let server = balancer.servers[index]
            return ServerControlResult(
                backend: backendName,
                server: serverName,
                admin: server.admin,
                weight: server.weight,
                inFlight: server.inFlight
            )
        }
        guard let result else {
            let known = servers.map(\.name).joined(separator: ", ")
            throw ServerControlError(.unknownServer, "backend \(name) has no server \(serverName) (it has: \(known))")
        }
        return result
    }
}
