extension HealthChecker {
    /// One server to check: its index in the backend's server list (the key of transitions), its name (for
    /// logs) and its probe.
    public struct Target: Sendable {
        public var serverIndex: Int
        public var serverName: String
        public var probe: HealthProbe

        public init(serverIndex: Int, serverName: String, probe: HealthProbe) {
            self.serverIndex = serverIndex
            self.serverName = serverName
            self.probe = probe
        }
    }
}
