import Prometheus
import Synchronization
import TandemHA
import TandemProxy
import TandemTLS

/// The Prometheus registry of the node and the metrics that are read from snapshots when scraped.
///
/// Two kinds of metric: events the data plane counts as they happen (``ProxyMetrics``, made by the proxy on
/// the same registry) and state that already exists elsewhere — server health, in-flight, weights, queues,
/// the HA machine's counters, TLS statistics — which is read at scrape time, so nothing on the hot path
/// pays for it. Counters read from cumulative snapshots advance by the difference since the last scrape.
public final class MetricsCollector: Sendable {
    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry
    private let proxy: ProxyServer
    private let node: String
    private let exported = Mutex<[String: Int64]>([:])
    private let ha = Mutex<HARuntime?>(nil)
    /// The HA histograms, made when an HA runtime attaches (a single node has none).
    private let histograms = Mutex<(roundTrips: DurationHistogram, vipCalls: DurationHistogram)?>(nil)

    public init(registry: PrometheusCollectorRegistry, node: String, proxy: ProxyServer) {
        self.registry = registry
        self.proxy = proxy
        self.node = node
    }

    /// Adds the HA metrics (the runtime starts after the collector, which it feeds round trips and calls).
    public func attach(_ runtime: HARuntime) {
        let buckets: [Duration] = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1),
        ]
        let roundTrips = registry.makeDurationHistogram(
            descriptor: Self.named(
                "tandem_ha_heartbeat_rtt_seconds",
                "Heartbeat round trips measured through the peer's echo."
            ),
            buckets: buckets
        )
        let vipCalls = registry.makeDurationHistogram(
            descriptor: Self.named(
                "tandem_ha_vip_call_duration_seconds",
                "Duration of each VIP helper call (claim, release, announce) for every VIP."
            ),
            buckets: buckets
        )
        histograms.withLock { $0 = (roundTrips, vipCalls) }
        ha.withLock { $0 = runtime }
    }

    /// Records one heartbeat round trip (wired to the heartbeat service).
    public func observeRoundTrip(_ duration: Duration) {
        histograms.withLock { $0 }?.roundTrips.record(duration)
    }

    /// Records one VIP helper call's duration.
    public func observeVIPCall(_ duration: Duration) {
        histograms.withLock { $0 }?.vipCalls.record(duration)
    }

    /// Brings the snapshot metrics up to date and renders the exposition text.
    public func scrape() -> [UInt8] {
        refreshBackends()
        refreshFrontends()
        refreshAccessLogs()
        if let ha = ha.withLock({ $0 }) { refreshHA(ha.heartbeat.status(), vips: ha.statusReport().vips) }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 * 1024)
        registry.emit(into: &buffer)
        return buffer
    }

    private func gauge(_ name: String, _ labels: [(String, String)], _ help: String, _ value: Double) {
        registry.makeGauge(descriptor: Self.named(name, help), labels: labels).set(value)
    }

    /// Advances a counter to a cumulative value read from a snapshot.
    private func counter(_ name: String, _ labels: [(String, String)], _ help: String, total: Int64) {
        let key = name + labels.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
        let delta = exported.withLock { exported -> Int64 in
            let previous = exported[key] ?? 0
            exported[key] = max(previous, total)
            return max(0, total - previous)
        }
        registry.makeCounter(descriptor: Self.named(name, help), labels: labels).increment(by: delta)
    }

    private func refreshBackends() {
        for status in proxy.serverStatuses() {
            let labels = [("backend", status.backend), ("server", status.server)]
            gauge(
                "tandem_server_up",
                labels,
                "1 while the server's health checks pass, else 0.",
                status.health == .up ? 1 : 0
            )
            for state in ["enabled", "draining", "disabled"] {
                gauge(
                    "tandem_server_admin_state",
                    labels + [("state", state)],
                    "1 for the operator's state the server is in (enabled, draining, disabled), else 0.",
                    status.admin.rawValue == state ? 1 : 0
                )
            }
            gauge(
                "tandem_server_in_flight_requests",
                labels,
                "Requests the server is serving now.",
                Double(status.inFlight)
            )
            gauge("tandem_server_weight", labels, "The server's relative share of traffic.", Double(status.weight))
            gauge(
                "tandem_server_ejected",
                labels,
                "1 while outlier detection keeps the server out.",
                status.isEjected ? 1 : 0
            )
        }
        for backend in proxy.backends {
            let labels = [("backend", backend.name)]
            gauge(
                "tandem_backend_queue_length",
                labels,
                "Requests waiting for a free server slot.",
                Double(backend.queuedRequests)
            )
        }
    }

    private func refreshFrontends() {
        for frontend in proxy.frontends {
            let labels = [("frontend", frontend.name)]
            gauge(
                "tandem_frontend_current_connections",
                labels,
                "Client connections open now.",
                Double(frontend.clientConnections.count)
            )
            counter(
                "tandem_frontend_connections_total",
                labels,
                "Client connections accepted.",
                total: Int64(frontend.clientConnections.total)
            )
            guard let statistics = frontend.tls?.statistics else { continue }
            counter(
                "tandem_tls_handshakes_total",
                labels,
                "TLS handshakes completed, full or resumed.",
                total: Int64(statistics.handshakes)
            )
            counter(
                "tandem_tls_resumptions_total",
                labels,
                "TLS handshakes that resumed a session from a ticket.",
                total: Int64(statistics.resumedHandshakes)
            )
            for (reason, count) in statistics.failuresByReason.sorted(by: { "\($0.key)" < "\($1.key)" }) {
                counter(
                    "tandem_tls_failures_total",
                    labels + [("reason", "\(reason)")],
                    "Connections closed for a TLS reason before or during the handshake.",
                    total: Int64(count)
                )
            }
        }
    }

    private func refreshAccessLogs() {
        for (frontend, statistics) in proxy.accessLogStatistics() {
            let labels = [("frontend", frontend)]
            counter(
                "tandem_access_log_lines_total",
                labels,
                "Access-log lines written.",
                total: Int64(statistics.linesWritten)
            )
            counter(
                "tandem_access_log_dropped_lines_total",
                labels,
                "Access-log lines dropped (buffer full: a slow or full disk) or lost to failed writes.",
                total: Int64(statistics.linesDropped + statistics.linesLost)
            )
        }
    }

    /// The HA metrics; the election's are per VIP group (label `group`, `default` without `ha.groups`).
    private func refreshHA(_ status: HeartbeatStatus, vips: [HAStatusReport.VIP]) {
        let node = [("node", self.node)]
        for group in status.groups {
            let labels = node + [("group", group.name)]
            for state in NodeState.allCases {
                gauge(
                    "tandem_ha_state",
                    labels + [("state", "\(state)")],
                    "1 for the HA state this node is in, per VIP group.",
                    group.state == state ? 1 : 0
                )
            }
            gauge(
                "tandem_ha_priority",
                labels,
                "This node's effective priority, per VIP group.",
                Double(group.effectivePriority)
            )
            let held = group.state == .active ? vips.filter { $0.group == group.name }.count : 0
            gauge("tandem_ha_vips_held", labels, "VIPs this node holds, per VIP group.", Double(held))
            counter(
                "tandem_ha_transitions_total",
                labels,
                "HA state changes, per VIP group.",
                total: Int64(group.counters.transitions)
            )
            counter(
                "tandem_ha_claims_total",
                labels,
                "Times this node decided to claim the group's VIPs.",
                total: Int64(group.counters.claims)
            )
        }
        if let peer = status.peer {
            gauge(
                "tandem_ha_peer_last_heard_seconds",
                node + [("peer", peer.name)],
                "Time since the peer's newest valid heartbeat.",
                Self.seconds(peer.lastHeardAge)
            )
            gauge(
                "tandem_ha_peer_alive",
                node + [("peer", peer.name)],
                "1 while the peer is within the dead window.",
                peer.alive ? 1 : 0
            )
        }
        if let skew = status.clockSkew {
            gauge(
                "tandem_ha_peer_clock_skew_seconds",
                node,
                "The peer's wall clock minus ours (shown only).",
                Self.seconds(skew)
            )
        }
        counter(
            "tandem_ha_heartbeats_sent_total",
            node,
            "Heartbeats sent (to every peer address).",
            total: Int64(status.sent)
        )
        counter(
            "tandem_ha_heartbeats_received_total",
            node,
            "Heartbeats accepted (authenticated, fresh, in sequence).",
            total: Int64(status.accepted)
        )
        for reason in HeartbeatRejection.allCases {
            counter(
                "tandem_ha_heartbeats_rejected_total",
                node + [("reason", reason.rawValue)],
                "Datagrams rejected, by reason.",
                total: Int64(status.rejections[reason] ?? 0)
            )
        }
        counter("tandem_ha_vip_failures_total", node, "VIP helper calls that failed.", total: Int64(status.vipFailures))
        counter(
            "tandem_ha_pauses_total",
            node,
            "Gaps longer than the dead window in this node's own ticks.",
            total: Int64(status.counters.freezes)
        )
    }

    /// A descriptor for a name that already carries its prefix and unit.
    static func named(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
