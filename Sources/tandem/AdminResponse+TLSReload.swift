import TandemControl
import TandemProxy

extension AdminResponse {
    /// The answer to the admin `reload` command: `ok` only when every TLS frontend took its new files; `error`
    /// names each frontend that kept its previous certificates and why, `message` what was reloaded.
    init(tlsReload results: [TLSReloadResult]) {
        let failures = results.filter { !$0.succeeded }.map(\.summary)
        let reloaded = results.filter(\.succeeded).map(\.summary)
        let message = results.isEmpty ? "no TLS frontend to reload" : reloaded.joined(separator: "\n")
        self.init(
            ok: failures.isEmpty,
            error: failures.isEmpty ? nil : failures.joined(separator: "\n"),
            message: message.isEmpty ? nil : message
        )
    }
}
