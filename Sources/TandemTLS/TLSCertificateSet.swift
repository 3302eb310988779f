import COpenSSL

/// An immutable snapshot of a frontend's TLS configuration: its certificates (one `SSL_CTX` each), the SNI
/// lookup tables and the ticket keys. A reload builds a new set and swaps it in; each connection retains the
/// set it started with, so the OpenSSL callbacks' unretained pointers to it stay valid.
///
/// `@unchecked Sendable`: nothing in it changes after `init`, and OpenSSL allows `SSL_new` on a configured
/// `SSL_CTX` from several threads at once.
final class TLSCertificateSet: @unchecked Sendable {
    /// In configuration order; the first is the default for clients without SNI or with an unknown name.
    let certificates: [TLSServerCertificate]
    let ticketKeys: TLSTicketKeyRing
    /// Exact DNS name → index in `certificates`; the first certificate naming it wins.
    private let exactNames: [String: Int]
    /// Wildcard `*.example.com` stored as `example.com` → index; matches exactly one extra label.
    private let wildcardParents: [String: Int]

    init(certificates: [TLSServerCertificate], ticketKeys: TLSTicketKeyRing) {
        precondition(!certificates.isEmpty, "a TLS frontend needs at least one certificate")
        self.certificates = certificates
        self.ticketKeys = ticketKeys
        var exactNames: [String: Int] = [:]
        var wildcardParents: [String: Int] = [:]
        for (index, certificate) in certificates.enumerated() {
            for name in certificate.dnsNames {
                if name.hasPrefix("*.") {
                    let parent = String(name.dropFirst(2))
                    if wildcardParents[parent] == nil {
                        wildcardParents[parent] = index
                    }
                } else if exactNames[name] == nil {
                    exactNames[name] = index
                }
            }
        }
        self.exactNames = exactNames
        self.wildcardParents = wildcardParents
        let unretainedSelf = Unmanaged.passUnretained(self).toOpaque()
        for certificate in certificates {
            _ = COpenSSL_SSL_CTX_set_app_data(certificate.context, unretainedSelf)
            _ = COpenSSL_SSL_CTX_set_tlsext_servername_arg(certificate.context, unretainedSelf)
            _ = COpenSSL_SSL_CTX_set_tlsext_servername_callback(certificate.context, tlsServerNameCallback)
            _ = SSL_CTX_set_tlsext_ticket_key_evp_cb(certificate.context, tlsTicketKeyCallback)
        }
    }

    /// The certificate served when SNI does not choose another.
    var defaultCertificate: TLSServerCertificate { certificates[0] }

    /// The certificate for an SNI host name: an exact name first, then a wildcard covering its first label,
    /// then the default.
    func certificate(forServerName serverName: String) -> TLSServerCertificate {
        var name = serverName.lowercased()
        if name.hasSuffix(".") {
            name.removeLast()
        }
        if let index = exactNames[name] {
            return certificates[index]
        }
        if let dot = name.firstIndex(of: "."), dot != name.startIndex {
            let parent = String(name[name.index(after: dot)...])
            if let index = wildcardParents[parent] {
                return certificates[index]
            }
        }
        return defaultCertificate
    }

    /// The set a context belongs to, from the app-data pointer set in `init`.
    static func owning(_ context: OpaquePointer) -> TLSCertificateSet? {
        guard let pointer = COpenSSL_SSL_CTX_get_app_data(context) else {
            return nil
        }
        return Unmanaged<TLSCertificateSet>.fromOpaque(pointer).takeUnretainedValue()
    }
}
