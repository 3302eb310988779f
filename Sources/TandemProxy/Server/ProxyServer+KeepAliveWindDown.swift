extension ProxyServer {
    /// Starts or ends the keep-alive wind-down on every frontend (see ``ClientConnections``): while on, each
    /// response closes its connection and idle connections close at once. Returns the connections asked to
    /// close. `tandem failover` turns it on for its drain window before the VIP moves.
    @discardableResult
    public func windDownKeepAlive(_ on: Bool) -> Int {
        frontends.reduce(0) { $0 + $1.clientConnections.setClosesKeepAlive(on) }
    }
}
