import COpenSSL
import TandemConfig

extension TLSContext {
    /// Certificates closer than this to expiry get a warning from `validate(_:)`.
    public static let expiryWarningWindow: Duration = .seconds(30 * 86_400)

    /// Checks `settings` for `tandem check` without serving: each certificate file parses, its key matches
    /// (`X509_check_private_key`), the ticket-key file is well formed. Returns one line per problem, empty when
    /// all is well; lines starting with `warning:` (expiry within 30 days) do not make the config invalid.
    public static func validate(_ settings: TLSSettings) -> [String] {
        var problems: [String] = []
        if settings.certificates.isEmpty {
            problems.append("tls.certificates: at least one certificate is required")
        }
        for path in settings.certificates {
            do {
                let certificate = try TLSServerCertificate(path: path, minimumVersion: TLS1_2_VERSION)
                let remaining = certificate.secondsUntilExpiry
                let names = certificate.dnsNames.joined(separator: ", ")
                if remaining <= 0 {
                    problems.append("\(path): the certificate for \(names) has expired")
                } else if Duration.seconds(remaining) < expiryWarningWindow {
                    let days = remaining / 86_400
                    problems.append("warning: \(path): the certificate for \(names) expires in \(days) days")
                }
            } catch let error as TLSError {
                problems.append(error.description)
            } catch {
                problems.append("\(path): \(error)")
            }
        }
        if let ticketKeysPath = settings.ticketKeysPath {
            do {
                _ = try TLSTicketKeyRing(contentsOfFile: ticketKeysPath)
            } catch let error as TLSError {
                problems.append(error.description)
            } catch {
                problems.append("\(ticketKeysPath): \(error)")
            }
        }
        return problems
    }
}
