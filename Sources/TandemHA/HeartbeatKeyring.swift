import COpenSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The shared secrets that sign and verify heartbeats; the first key signs, every key verifies.
///
/// Key file format, one key per line: `ID SECRET`, where `ID` is 1...255 and `SECRET` is hex (at least 64 hex
/// digits, i.e. 32 bytes) or `base64:` followed by base64 of at least 32 bytes. `#` starts a comment; blank
/// lines are ignored. To rotate: put the new key second on both nodes, then first on both, then remove the old
/// one — at every step each node verifies what the other signs.
public struct HeartbeatKeyring: Sendable, Hashable {
    /// All keys in file order; never empty.
    public let keys: [HeartbeatKey]

    /// The key that signs outgoing heartbeats: the first of the file.
    public var signingKey: HeartbeatKey { keys[0] }

    /// Creates a keyring; the first key signs.
    ///
    /// - Throws: ``Error`` when `keys` is empty or two keys share an id.
    public init(keys: [HeartbeatKey], file: String = "<memory>") throws(Error) {
        guard !keys.isEmpty else { throw Error(.noKeys, file: file, line: nil, "the key file holds no key") }
        var seen: Set<UInt8> = []
        for key in keys where !seen.insert(key.id).inserted {
            throw Error(.duplicateID, file: file, line: nil, "key id \(key.id) appears twice")
        }
        self.keys = keys
    }

    /// The key with that id, if the keyring holds it.
    public func key(id: UInt8) -> HeartbeatKey? {
        keys.first { $0.id == id }
    }

    /// Parses key file text (see the type's documentation); `file` names the source in errors.
    public static func parse(_ text: String, file: String) throws(Error) -> HeartbeatKeyring {
        var keys: [HeartbeatKey] = []
        var ids: Set<UInt8> = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            let content = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = content.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if fields.isEmpty { continue }
            guard fields.count == 2 else {
                throw Error(.syntax, file: file, line: lineNumber, "expected `ID SECRET`, found \(fields.count) fields")
            }
            guard let id = UInt8(fields[0]), id >= 1 else {
                throw Error(.badID, file: file, line: lineNumber, "key id must be 1...255, found `\(fields[0])`")
            }
            guard ids.insert(id).inserted else {
                throw Error(.duplicateID, file: file, line: lineNumber, "key id \(id) appears twice")
            }
            let secret = try decodeSecret(String(fields[1]), file: file, line: lineNumber)
            guard let key = HeartbeatKey(id: id, secret: secret) else {
                throw Error(
                    .shortKey,
                    file: file,
                    line: lineNumber,
                    "key \(id) is \(secret.count) bytes; at least \(HeartbeatKey.minimumLength) are required "
                        + "(a new key line: 1 followed by the output of `openssl rand -hex 32`)"
                )
            }
            keys.append(key)
        }
        return try HeartbeatKeyring(keys: keys, file: file)
    }

    /// Reads and parses the key file at `path`, refusing it when others may read or write it or the group may
    /// write it (a heartbeat key in the open lets anyone forge failovers).
    public static func load(path: String) throws(Error) -> HeartbeatKeyring {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw Error(.unreadable, file: path, line: nil, "cannot open the key file: \(reason)")
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw Error(
                .unreadable,
                file: path,
                line: nil,
                "cannot stat the key file: \(String(cString: strerror(errno)))"
            )
        }
        try checkPermissions(mode: UInt32(info.st_mode), file: path)
        let maximumSize = 64 * 1024
        guard Int(info.st_size) <= maximumSize else {
            throw Error(.syntax, file: path, line: nil, "the key file is larger than \(maximumSize) bytes")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count <= maximumSize {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else {
                throw Error(.unreadable, file: path, line: nil, "cannot read: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw Error(.syntax, file: path, line: nil, "the key file is not UTF-8 text")
        }
        return try parse(text, file: path)
    }

    /// Refuses a mode that lets others read or write, or the group write (`chmod 600` fixes it).
    public static func checkPermissions(mode: UInt32, file: String) throws(Error) {
        let othersReadWrite: UInt32 = 0o006
        let groupWrite: UInt32 = 0o020
        guard mode & (othersReadWrite | groupWrite) == 0 else {
            let octal = String(mode & 0o777, radix: 8)
            throw Error(
                .insecurePermissions,
                file: file,
                line: nil,
                "mode \(octal) lets other users read or change the heartbeat key; run `chmod 600 \(file)`"
            )
        }
    }

    /// A new key file text with one fresh 32-byte key (from `RAND_bytes`) under `id`.
    public static func generate(id: UInt8 = 1) -> String {
        var secret = [UInt8](repeating: 0, count: HeartbeatKey.minimumLength)
        let status = secret.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32($0.count)) }
        precondition(status == 1, "RAND_bytes failed: the system random source is unavailable")
        let hex = secret.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
        return """
            # Tandem heartbeat keys: one `ID SECRET` per line; the first key signs, every key verifies.
            # Install the same file on both nodes with mode 600.
            \(id) \(hex)

            """
    }

    private static func decodeSecret(_ field: String, file: String, line: Int) throws(Error) -> [UInt8] {
        if field.hasPrefix("base64:") {
            guard let bytes = decodeBase64(String(field.dropFirst("base64:".count))) else {
                throw Error(.badSecret, file: file, line: line, "the secret after `base64:` is not valid base64")
            }
            return bytes
        }
        let digits = Array(field.utf8)
        guard digits.count.isMultiple(of: 2) else {
            throw Error(.badSecret, file: file, line: line, "a hex secret needs an even number of digits")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else {
                throw Error(
                    .badSecret,
                    file: file,
                    line: line,
                    "the secret is neither hex nor `base64:...` (bad digit at column \(index + 1) of the secret)"
                )
            }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Strict base64 (with padding) through libcrypto's `EVP_DecodeBlock`.
    private static func decodeBase64(_ text: String) -> [UInt8]? {
        let input = Array(text.utf8)
        guard !input.isEmpty, input.count.isMultiple(of: 4) else { return nil }
        let padding = input.reversed().prefix(while: { $0 == UInt8(ascii: "=") }).count
        guard padding <= 2 else { return nil }
        var output = [UInt8](repeating: 0, count: input.count / 4 * 3)
        let decoded = input.withUnsafeBufferPointer { inputBytes in
            output.withUnsafeMutableBufferPointer { outputBytes in
                EVP_DecodeBlock(outputBytes.baseAddress, inputBytes.baseAddress, Int32(inputBytes.count))
            }
        }
        guard decoded >= 0, Int(decoded) == output.count else { return nil }
        return Array(output.prefix(output.count - padding))
    }
}
