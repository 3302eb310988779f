/// What `tandem status` shows: this node and, when it runs the HA pair, its heartbeat state.
///
/// The JSON field names are part of the admin protocol (scripts parse `tandem status --json`): add fields,
/// never rename them.
public struct NodeStatusReport: Codable, Sendable, Equatable {
    /// This node's name (`node.name`).
    public var node: String
    /// Process id of the daemon, so scripts can tell restarts apart.
    public var pid: Int32
    /// Seconds since the daemon started.
    public var uptimeSeconds: Double
    /// The HA pair, absent for a single proxy node (no `ha:` section).
    public var ha: HAStatusReport?

    /// Creates a report.
    public init(node: String, pid: Int32, uptimeSeconds: Double, ha: HAStatusReport?) {
        self.node = node
        self.pid = pid
        self.uptimeSeconds = uptimeSeconds
        self.ha = ha
    }
}
