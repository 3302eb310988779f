import COpenSSL

extension Heartbeat {
    /// The packet bytes: the body signed with the keyring's signing key (whose id replaces ``keyID``).
    public func signed(with keyring: HeartbeatKeyring) -> [UInt8] {
        var copy = self
        copy.keyID = keyring.signingKey.id
        var packet = copy.encodedBody()
        packet += Self.mac(of: packet, key: keyring.signingKey)
        return packet
    }

    /// Parses `packet` and verifies its MAC with the key its key id names.
    ///
    /// Total: any input either yields the heartbeat or a ``HeartbeatRejection``. The MAC is compared in
    /// constant time (`CRYPTO_memcmp`) so that timing reveals nothing about the expected value.
    public static func authenticate(
        _ packet: [UInt8],
        keyring: HeartbeatKeyring
    ) throws(HeartbeatRejection) -> Heartbeat {
        let (heartbeat, bodyLength) = try parse(packet)
        guard let key = keyring.key(id: heartbeat.keyID) else { throw .unknownKeyID }
        let body = Array(packet[0..<bodyLength])
        let expected = mac(of: body, key: key)
        let received = Array(packet[bodyLength...])
        guard received.count == macLength else { throw .malformed }
        let equal = expected.withUnsafeBytes { expectedBytes in
            received.withUnsafeBytes { receivedBytes in
                CRYPTO_memcmp(expectedBytes.baseAddress, receivedBytes.baseAddress, macLength) == 0
            }
        }
        guard equal else { throw .badMAC }
        return heartbeat
    }

    /// HMAC-SHA256 of `body` with the one-shot libcrypto call (not deprecated in OpenSSL 3, unlike HMAC_CTX).
    static func mac(of body: [UInt8], key: HeartbeatKey) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: macLength)
        var outputLength: UInt32 = 0
        let result = key.secret.withUnsafeBytes { keyBytes in
            body.withUnsafeBytes { bodyBytes in
                output.withUnsafeMutableBytes { outputBytes in
                    HMAC(
                        EVP_sha256(),
                        keyBytes.baseAddress,
                        Int32(keyBytes.count),
                        bodyBytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
                        bodyBytes.count,
                        outputBytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
                        &outputLength
                    )
                }
            }
        }
        precondition(result != nil && outputLength == UInt32(macLength), "HMAC-SHA256 failed in libcrypto")
        return output
    }
}
