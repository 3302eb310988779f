import COpenSSL

/// SNI: switches the connection to the context of the certificate naming the requested host. An unknown name
/// keeps the default certificate rather than failing, as HAProxy and nginx do.
let tlsServerNameCallback:
    @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int32>?, UnsafeMutableRawPointer?)
        -> Int32 = { connection, _, argument in
            guard let connection, let argument, let serverName = COpenSSL_SSL_get_servername(connection) else {
                return COpenSSL_SSL_TLSEXT_ERR_OK()
            }
            let certificates = Unmanaged<TLSCertificateSet>.fromOpaque(argument).takeUnretainedValue()
            let chosen = certificates.certificate(forServerName: String(cString: serverName))
            if chosen !== certificates.defaultCertificate {
                _ = SSL_set_SSL_CTX(connection, chosen.context)
            }
            return COpenSSL_SSL_TLSEXT_ERR_OK()
        }

/// Session tickets (RFC 5077 layout): AES-256-CBC + HMAC-SHA256 with the ring's keys. Encrypts with the newest
/// key; decrypts with whichever key the ticket names and asks for a fresh ticket when that key is not the
/// newest. An unknown key name returns 0: a full handshake, never a failure.
let tlsTicketKeyCallback:
    @convention(c) (
        OpaquePointer?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt8>?, OpaquePointer?, OpaquePointer?,
        Int32
    ) -> Int32 = { connection, keyName, iv, cipherContext, macContext, encrypt in
        guard let connection, let keyName, let iv, let cipherContext, let macContext,
            let sslContext = SSL_get_SSL_CTX(connection), let certificates = TLSCertificateSet.owning(sslContext)
        else {
            return -1
        }
        let ivLength = Int32(EVP_CIPHER_get_iv_length(EVP_aes_256_cbc()))
        if encrypt == 1 {
            let key = certificates.ticketKeys.keys[0]
            key.name.withUnsafeBufferPointer { name in
                keyName.update(from: name.baseAddress!, count: TLSTicketKey.nameCount)
            }
            guard RAND_bytes(iv, ivLength) == 1, initialize(key, cipherContext, macContext, iv, encrypt: true) else {
                return -1
            }
            return 1
        }
        let name = UnsafeBufferPointer(start: keyName, count: TLSTicketKey.nameCount)
        guard let (key, index) = certificates.ticketKeys.key(named: name) else {
            return 0
        }
        guard initialize(key, cipherContext, macContext, iv, encrypt: false) else {
            return -1
        }
        return index == 0 ? 1 : 2
    }

private func initialize(
    _ key: TLSTicketKey,
    _ cipherContext: OpaquePointer,
    _ macContext: OpaquePointer,
    _ iv: UnsafeMutablePointer<UInt8>,
    encrypt: Bool
) -> Bool {
    let macKeyed = key.hmacKey.withUnsafeBufferPointer { hmacKey in
        COpenSSL_EVP_MAC_CTX_set_ticket_HMAC_key(macContext, hmacKey.baseAddress, hmacKey.count) == 1
    }
    let cipherKeyed = key.aesKey.withUnsafeBufferPointer { aesKey in
        if encrypt {
            return EVP_EncryptInit_ex(cipherContext, EVP_aes_256_cbc(), nil, aesKey.baseAddress, iv) == 1
        }
        return EVP_DecryptInit_ex(cipherContext, EVP_aes_256_cbc(), nil, aesKey.baseAddress, iv) == 1
    }
    return macKeyed && cipherKeyed
}
