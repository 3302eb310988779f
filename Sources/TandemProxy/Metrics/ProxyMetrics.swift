import NIOCore
import Prometheus

/// The data plane's event metrics, made once at start on the node's registry (a handle lookup per request
/// would cost more than parsing the request). Counters are atomics and the duration histograms take one
/// uncontended lock per observation; state that already exists (health, in-flight, queues) is read at scrape
/// time by the control plane instead.
public final class ProxyMetrics: Sendable {
    /// One frontend's handles.
    public final class Frontend: Sendable {
        let requests: Counter
        /// Responses by status class, index 0 for 1xx ... 4 for 5xx.
        let responses: [Counter]
        let receivedBytes: Counter
        let sentBytes: Counter
        let duration: DurationHistogram
        let tunnels: Counter

        init(_ registry: PrometheusCollectorRegistry, name: String) {
            let labels = [("frontend", name)]
            requests = registry.makeCounter(
                descriptor: ProxyMetrics.named("tandem_frontend_requests_total", "HTTP requests received."),
                labels: labels
            )
            responses = (1...5).map { digit in
                registry.makeCounter(
                    descriptor: ProxyMetrics.named(
                        "tandem_frontend_responses_total",
                        "HTTP responses sent, by status class."
                    ),
                    labels: labels + [("code", "\(digit)xx")]
                )
            }
            receivedBytes = registry.makeCounter(
                descriptor: ProxyMetrics.named("tandem_frontend_received_bytes_total", "Bytes received from clients."),
                labels: labels
            )
            sentBytes = registry.makeCounter(
                descriptor: ProxyMetrics.named("tandem_frontend_sent_bytes_total", "Bytes sent to clients."),
                labels: labels
            )
            duration = registry.makeDurationHistogram(
                descriptor: ProxyMetrics.named(
                    "tandem_frontend_request_duration_seconds",
                    "From the request's first byte to the response's last."
                ),
                labels: labels,
                buckets: ProxyMetrics.durationBuckets
            )
            tunnels = registry.makeCounter(
                descriptor: ProxyMetrics.named(
                    "tandem_frontend_tunnels_total",
                    "Tunnels opened: layer-4 connections and HTTP upgrades (WebSocket)."
                ),
                labels: labels
            )
        }

        /// Counts one finished exchange (or refused head) from the record the access log also gets.
        func observe(_ record: AccessLogRecord) {
            if record.headReceived != nil { requests.increment() }
            if let status = record.status {
                let index = status / 100 - 1
                if index >= 0 && index < responses.count { responses[index].increment() }
            }
            receivedBytes.increment(by: Int64(record.bytesIn))
            sentBytes.increment(by: Int64(record.bytesOut))
            if let ended = record.ended {
                let elapsed: TimeAmount = ended - record.started
                duration.record(Duration.nanoseconds(elapsed.nanoseconds))
            }
            guard let backend = record.backend?.metrics else { return }
            if record.connectStarted != nil { backend.requests.increment() }
            if record.retries > 0 { backend.retries.increment(by: Int64(record.retries)) }
            if record.redispatches > 0 { backend.redispatches.increment(by: Int64(record.redispatches)) }
            if record.reachedQueue, let wait = record.queueWait {
                backend.queueWait.record(Duration.nanoseconds(wait.nanoseconds))
            }
        }
    }

    /// One backend's handles.
    public final class Backend: Sendable {
        let requests: Counter
        let connectFailures: Counter
        let retries: Counter
        let redispatches: Counter
        let queueWait: DurationHistogram

        init(_ registry: PrometheusCollectorRegistry, name: String) {
            let labels = [("backend", name)]
            requests = registry.makeCounter(
                descriptor: ProxyMetrics.named(
                    "tandem_backend_requests_total",
                    "Requests sent to the backend's servers."
                ),
                labels: labels
            )
            connectFailures = registry.makeCounter(
                descriptor: ProxyMetrics.named(
                    "tandem_backend_connect_failures_total",
                    "Connections to servers that failed."
                ),
                labels: labels
            )
            retries = registry.makeCounter(
                descriptor: ProxyMetrics.named("tandem_backend_retries_total", "Requests tried again after a failure."),
                labels: labels
            )
            redispatches = registry.makeCounter(
                descriptor: ProxyMetrics.named(
                    "tandem_backend_redispatches_total",
                    "Retries that went to another server than the one that failed."
                ),
                labels: labels
            )
            queueWait = registry.makeDurationHistogram(
                descriptor: ProxyMetrics.named(
                    "tandem_backend_queue_wait_seconds",
                    "Time requests waited in the queue for a free server slot."
                ),
                labels: labels,
                buckets: ProxyMetrics.durationBuckets
            )
        }
    }

    private let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    /// The handles of frontend `name` (the registry gives the same metrics back for the same name, so a frontend
    /// replaced by a reload counts on).
    func frontend(named name: String) -> Frontend { Frontend(registry, name: name) }

    /// The handles of backend `name`.
    func backend(named name: String) -> Backend { Backend(registry, name: name) }

    static let durationBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    /// A descriptor for a name that already carries its prefix and unit.
    static func named(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}
