#if canImport(Glibc)
import Glibc
#endif

extension AdminRouter {
    /// Serves `status` for the node `node`, with the HA part when `ha` is set.
    public mutating func registerStatus(node: String, ha: HARuntime?) {
        let started = ContinuousClock.now
        let pid = getpid()
        register("status") { _ in
            let uptime = HAStatusReport.milliseconds(started.duration(to: .now)) / 1000
            let report = NodeStatusReport(node: node, pid: pid, uptimeSeconds: uptime, ha: ha?.statusReport())
            return AdminResponse(ok: true, status: report)
        }
    }
}
