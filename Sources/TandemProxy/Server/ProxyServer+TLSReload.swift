import Logging
import TandemTLS

extension ProxyServer {
    /// Re-reads the certificate and ticket-key files of every TLS frontend and swaps them in, one frontend at
    /// a time (SIGHUP and the admin `reload` command).
    ///
    /// Established connections keep the certificate and keys they started with; new handshakes use the new
    /// ones. A frontend whose files are unusable keeps its previous configuration and says why in its result,
    /// without stopping the reload of the others. Each result is logged. Frontends without TLS are skipped.
    public func reloadTLS() -> [TLSReloadResult] {
        frontends.compactMap { frontend in
            guard let tls = frontend.tls else { return nil }
            let result: TLSReloadResult
            do {
                try tls.reload()
                result = TLSReloadResult(frontend: frontend.name, failure: nil, certificateNames: tls.certificateNames)
                logger.notice(
                    "TLS certificates and ticket keys reloaded",
                    metadata: ["frontend": "\(frontend.name)", "certificates": "\(result.certificateNames)"]
                )
            } catch {
                result = TLSReloadResult(
                    frontend: frontend.name,
                    failure: "\(error)",
                    certificateNames: tls.certificateNames
                )
                logger.error(
                    "TLS reload failed, the previous certificates stay in force: \(error)",
                    metadata: ["frontend": "\(frontend.name)"]
                )
            }
            return result
        }
    }
}
