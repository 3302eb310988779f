import COpenSSL

/// One certificate of a TLS frontend: its own `SSL_CTX`, configured identically to every other, holding the
/// PEM chain and key of one file, plus the DNS names SNI matches against.
///
/// Owns the `SSL_CTX` reference; connections created from it keep their own reference, so a certificate
/// dropped by a reload stays valid for the connections still using it.
final class TLSServerCertificate {
    /// Mozilla "intermediate" TLS 1.2 ciphers: ECDHE with AES-GCM or ChaCha20-Poly1305, forward secret only.
    static let tls12Ciphers = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")
    /// Mozilla "intermediate" key-exchange groups.
    static let groups = "X25519:prime256v1:secp384r1"
    /// The same session-id context on every context and node, so tickets resume across SNI contexts and nodes.
    static let sessionIDContext: [UInt8] = Array("tandem".utf8)

    /// The file the certificate came from.
    let path: String
    /// `SSL_CTX *`, owned.
    let context: OpaquePointer
    /// Lower-cased DNS names of the subjectAltName extension (the common name when there is none).
    private(set) var dnsNames: [String]
    /// The ALPN list the context's select callback reads (wire format, server preference first); allocated here
    /// and freed after the context, because OpenSSL keeps only the pointer.
    private let alpnPreference: UnsafeMutablePointer<COpenSSL_ALPNPreference>
    private let alpnBytes: UnsafeMutableBufferPointer<UInt8>

    /// Loads `path` (PEM chain, leaf first, and its private key) into a fresh server context that offers `alpn`
    /// (protocol names in order of preference).
    init(path: String, minimumVersion: Int32, alpn: [String] = ["h2", "http/1.1"]) throws {
        self.path = path
        let wire = alpn.flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) }
        alpnBytes = .allocate(capacity: max(wire.count, 1))
        _ = alpnBytes.initialize(from: wire)
        alpnPreference = .allocate(capacity: 1)
        alpnPreference.initialize(
            to: COpenSSL_ALPNPreference(protocols: UnsafePointer(alpnBytes.baseAddress), length: UInt32(wire.count))
        )
        OpenSSLErrorQueue.clear()
        guard let context = SSL_CTX_new(TLS_server_method()) else {
            alpnPreference.deallocate()
            alpnBytes.deallocate()
            throw TLSError(path: path, message: "SSL_CTX_new failed: \(OpenSSLErrorQueue.drain().message)")
        }
        self.context = context
        self.dnsNames = []
        try configure(minimumVersion: minimumVersion)
        try load(path: path)
        guard let leaf = SSL_CTX_get0_certificate(context) else {
            throw TLSError(path: path, message: "no certificate")
        }
        self.dnsNames = Self.dnsNames(of: leaf)
    }

    deinit {
        SSL_CTX_free(context)
        // The select callback runs only in handshakes, and every `TLSServerHandler` keeps its certificate set (so
        // this object) for its whole life: no handshake can outlive the list.
        alpnPreference.deallocate()
        alpnBytes.deallocate()
    }

    /// Seconds from now until the leaf certificate's notAfter (negative once expired).
    var secondsUntilExpiry: Int {
        guard let leaf = SSL_CTX_get0_certificate(context), let notAfter = X509_get0_notAfter(leaf) else {
            return 0
        }
        var days: Int32 = 0
        var seconds: Int32 = 0
        guard ASN1_TIME_diff(&days, &seconds, nil, notAfter) == 1 else {
            return 0
        }
        return Int(days) * 86_400 + Int(seconds)
    }

    private func configure(minimumVersion: Int32) throws {
        _ = SSL_CTX_set_options(context, COpenSSL_TandemServerOptions())
        _ = COpenSSL_SSL_CTX_set_session_cache_mode(context, COpenSSL_SSL_SESS_CACHE_OFF())
        _ = SSL_CTX_set_num_tickets(context, 1)
        COpenSSL_SSL_CTX_select_ALPN(context, alpnPreference)
        let configured =
            COpenSSL_SSL_CTX_set_min_proto_version(context, minimumVersion) == 1
            && SSL_CTX_set_cipher_list(context, Self.tls12Ciphers) == 1
            && COpenSSL_SSL_CTX_set1_groups_list(context, Self.groups) == 1
            && SSL_CTX_set_session_id_context(context, Self.sessionIDContext, UInt32(Self.sessionIDContext.count)) == 1
        guard configured else {
            throw TLSError(path: path, message: "cannot configure TLS: \(OpenSSLErrorQueue.drain().message)")
        }
    }

    private func load(path: String) throws {
        guard SSL_CTX_use_certificate_chain_file(context, path) == 1 else {
            throw TLSError(path: path, message: "no usable PEM certificate chain: \(OpenSSLErrorQueue.drain().message)")
        }
        guard SSL_CTX_use_PrivateKey_file(context, path, SSL_FILETYPE_PEM) == 1 else {
            throw TLSError(path: path, message: "no usable PEM private key: \(OpenSSLErrorQueue.drain().message)")
        }
        guard let leaf = SSL_CTX_get0_certificate(context), let key = SSL_CTX_get0_privatekey(context),
            X509_check_private_key(leaf, key) == 1
        else {
            throw TLSError(path: path, message: "the private key does not match the certificate")
        }
        OpenSSLErrorQueue.clear()
    }

    private static func dnsNames(of certificate: OpaquePointer) -> [String] {
        var names: [String] = []
        if let alternativeNames = COpenSSL_X509_subject_alt_names(certificate) {
            defer { COpenSSL_GENERAL_NAMES_free(alternativeNames) }
            for index in 0..<COpenSSL_GENERAL_NAMES_count(alternativeNames) {
                var length: Int32 = 0
                guard let bytes = COpenSSL_GENERAL_NAMES_dns_name(alternativeNames, index, &length) else {
                    continue
                }
                let name = String(decoding: UnsafeBufferPointer(start: bytes, count: Int(length)), as: UTF8.self)
                names.append(name.lowercased())
            }
        }
        if names.isEmpty, let subject = X509_get_subject_name(certificate) {
            var buffer = [CChar](repeating: 0, count: 256)
            let length = X509_NAME_get_text_by_NID(subject, NID_commonName, &buffer, Int32(buffer.count))
            if length > 0 {
                let bytes = buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }
                names.append(String(decoding: bytes, as: UTF8.self).lowercased())
            }
        }
        OpenSSLErrorQueue.clear()
        return names
    }
}
