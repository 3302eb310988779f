extension ProxyServer {
    /// Drains, disables, enables or re-weights one server at run time (the admin socket's entry point).
    ///
    /// Takes effect for the next request on every event loop; requests in flight are never interrupted.
    /// A drained server takes no new request, not even from clients pinned to it by cookie, and the
    /// result's `inFlight` says how many requests it still serves.
    /// - Throws: ``ServerControlError`` for an unknown backend or server, or a weight outside 1...256.
    public func setServerState(
        backend backendName: String,
        server serverName: String,
        _ action: ServerAction
    ) throws(ServerControlError) -> ServerControlResult {
        // Under the reload's lock, so a change made while a reload swaps backends is carried over, never lost.
        try world.withLock { world throws(ServerControlError) in
            guard let backend = world.backends.first(where: { $0.name == backendName }) else {
                let known = world.backends.map(\.name).joined(separator: ", ")
                throw ServerControlError(.unknownBackend, "no backend \(backendName) (configured: \(known))")
            }
            return try backend.apply(action, toServer: serverName)
        }
    }

    /// Every server of every backend with its health, admin state, load and ejection, in configuration order.
    public func serverStatuses() -> [BackendStatus] {
        countingRetiredRequests(backends.flatMap { $0.statuses() })
    }
}

extension ProxyServer {
    /// Requests waiting for a free server slot in `backend`'s queue; nil for an unknown backend.
    public func queuedRequests(backend backendName: String) -> Int? {
        backends.first { $0.name == backendName }?.queuedRequests
    }
}
