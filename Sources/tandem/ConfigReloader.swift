import Logging
import TandemConfig
import TandemControl
import TandemProxy

/// Re-reads the config file and applies it to the running daemon; SIGHUP and `tandem reload` both run it.
///
/// A file with any error changes nothing: its errors, one `file:line: key: message` line each, go to `tandem
/// reload` and to the log. A good file is applied by the proxy without dropping a connection
/// (``ProxyServer/reload(to:)``), then by HA for the election numbers; what only a restart can apply is reported
/// and left as it is. It also reopens the heartbeat log and re-reads the heartbeat keys, as SIGHUP always did.
struct ConfigReloader: Sendable {
    let path: String
    let proxy: ProxyServer
    let ha: HARuntime?
    let logger: Logger

    /// Reloads once; `ok` is false when nothing changed (config errors, a file or address unusable) or when the
    /// heartbeat keys could not be re-read (the old keys stay).
    func reload() async -> AdminResponse {
        ha?.eventLog.reopen()
        let configuration: TandemConfiguration
        do {
            configuration = try ConfigLoader.load(path: path)
        } catch {
            return refused(error.description)
        }
        let diff: ConfigDiff
        do {
            diff = try await proxy.reload(to: configuration)
        } catch {
            return refused(error.message)
        }
        var lines = ["reloaded \(path)"] + diff.summary.map { "  " + $0 }
        if let ha, let settings = configuration.ha, let applied = ha.reconfigure(settings, diff: diff) {
            lines.append("  " + applied)
        }
        var response = AdminResponse(ok: true)
        if let keys = ha?.reloadKeys() {
            lines.append(keys.message)
            if !keys.ok {
                response.ok = false
                response.error = keys.message
            }
        }
        response.message = lines.joined(separator: "\n")
        logger.notice("reload: \(lines.joined(separator: "; "))")
        return response
    }

    private func refused(_ problems: String) -> AdminResponse {
        let error = problems + "\nnothing changed: the running configuration stays in force"
        logger.error("reload of \(path) refused: \(error)")
        return .failure(error)
    }
}
