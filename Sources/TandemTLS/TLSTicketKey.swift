import COpenSSL

/// One session-ticket key: 80 bytes laid out as nginx does — a 16-byte name (sent in the clear inside the
/// ticket so the right key can be found), a 32-byte HMAC-SHA256 key and a 32-byte AES-256-CBC key.
struct TLSTicketKey: Sendable, Equatable {
    static let byteCount = 80
    static let nameCount = 16

    /// The raw 80 bytes.
    let bytes: [UInt8]

    init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else {
            return nil
        }
        self.bytes = bytes
    }

    /// A fresh random key, for a process without a shared ticket-key file.
    static func random() -> TLSTicketKey {
        var bytes = [UInt8](repeating: 0, count: byteCount)
        let status = RAND_bytes(&bytes, Int32(byteCount))
        precondition(status == 1, "RAND_bytes failed: the system CSPRNG is unusable")
        return TLSTicketKey(bytes: bytes)!
    }

    var name: ArraySlice<UInt8> { bytes[0..<16] }
    var hmacKey: ArraySlice<UInt8> { bytes[16..<48] }
    var aesKey: ArraySlice<UInt8> { bytes[48..<80] }
}
