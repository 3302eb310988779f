#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The session-ticket keys in force: the first (newest) encrypts new tickets, every key decrypts.
///
/// Both HA nodes read the same `ticket_keys` file, so a ticket issued by one resumes on the other after a
/// failover. Rotation: prepend a new key, keep the old ones for a ticket lifetime, reload both nodes.
struct TLSTicketKeyRing: Sendable, Equatable {
    /// Newest first; never empty.
    let keys: [TLSTicketKey]

    init(keys: [TLSTicketKey]) {
        precondition(!keys.isEmpty, "a ticket key ring needs at least one key")
        self.keys = keys
    }

    /// Reads a ticket-key file: one base64-encoded 80-byte key per line, newest first; blank lines and lines
    /// starting with `#` are ignored. Generate a key with `openssl rand -base64 80 | tr -d '\n'`.
    init(contentsOfFile path: String) throws {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw TLSError(path: path, message: "cannot read the ticket key file (\(error))")
        }
        var keys: [TLSTicketKey] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(rawLine.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
            if line.isEmpty || line.hasPrefix("#") {
                continue
            }
            guard let data = Data(base64Encoded: line), let key = TLSTicketKey(bytes: Array(data)) else {
                throw TLSError(
                    path: path,
                    message: "line \(index + 1): expected one base64-encoded \(TLSTicketKey.byteCount)-byte key"
                )
            }
            keys.append(key)
        }
        guard !keys.isEmpty else {
            throw TLSError(path: path, message: "no ticket keys in the file")
        }
        self.init(keys: keys)
    }

    /// The key whose 16-byte name is `name`, with its position (0 = newest).
    func key(named name: UnsafeBufferPointer<UInt8>) -> (key: TLSTicketKey, index: Int)? {
        for (index, key) in keys.enumerated() where key.name.elementsEqual(name) {
            return (key, index)
        }
        return nil
    }
}
