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

    /// Reloads once; `ok` is false when the configuration was refused (config errors, a file or address
    /// unusable: nothing changed) or the heartbeat keys could not be re-read (the old keys stay). The keys and
    /// the heartbeat log are separate files, handled whatever the configuration's fate, as SIGHUP always did.
    func reload() async -> AdminResponse {
        ha?.eventLog.reopen()
        proxy.reopenAccessLogs()
        var response = await apply()
        if let keys = ha?.reloadKeys() {
            if keys.ok {
                response.message = [response.message, keys.message].compactMap { $0 }.joined(separator: "\n")
            } else {
                response.ok = false
                response.error = [response.error, keys.message].compactMap { $0 }.joined(separator: "\n")
            }
        }
        return response
    }

    private func apply() async -> AdminResponse {
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
        for frontend in proxy.frontends {
            guard let tls = frontend.tls else { continue }
            let result = TLSReloadResult(frontend: frontend.name, failure: nil, certificateNames: tls.certificateNames)
            lines.append("  " + result.summary)
        }
        if let ha, let settings = configuration.ha {
            lines += ha.reconfigure(settings, diff: diff).map { "  " + $0 }
        }
        logger.notice("reload: \(lines.map { $0.trimmingPrefix(while: { $0 == " " }) }.joined(separator: "; "))")
        return AdminResponse(ok: true, message: lines.joined(separator: "\n"))
    }

    private func refused(_ problems: String) -> AdminResponse {
        let error = problems + "\nnothing changed: the running configuration stays in force"
        logger.error("reload of \(path) refused: \(error.split(separator: "\n").joined(separator: "; "))")
        return .failure(error)
    }
}
