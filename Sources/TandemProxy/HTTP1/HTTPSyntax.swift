/// The byte classes of HTTP/1.1 (RFC 9110 §5, RFC 9112, RFC 3986 §3.2.2) shared by the head parsers, the body
/// framer and the request head rules, so that every layer draws the same line between valid and invalid bytes.
///
/// Everything works on bytes, never on `String`: the parsers call these per field on the hot path.
enum HTTPSyntax {
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let colon = UInt8(ascii: ":")
    static let comma = UInt8(ascii: ",")

    /// tchar (RFC 9110 §5.6.2) as a 256-entry table: one load per byte instead of a set lookup.
    private static let tokenTable: [Bool] = (0...255).map { byte in
        let byte = UInt8(byte)
        return isAlphaNumeric(byte) || "!#$%&'*+-.^_`|~".utf8.contains(byte)
    }

    /// unreserved and sub-delims (RFC 3986) without the comma.
    private static let regNameSymbols: Set<UInt8> = Set("-._~!$&'()*+;=".utf8)

    static func isToken<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy(isTokenByte)
    }

    static func isTokenByte(_ byte: UInt8) -> Bool { tokenTable[Int(byte)] }

    /// field-value: visible characters, obs-text, spaces and tabs; no other control character (a CR or LF would
    /// split the field when re-encoded, a NUL truncates it in C servers).
    static func isFieldValueByte(_ byte: UInt8) -> Bool { byte >= 0x20 ? byte != 0x7F : byte == 0x09 }

    /// A field-value byte that is also ASCII: what llhttp accepts in a request (it refuses obs-text), so the
    /// request parser refuses it too rather than forward what the old decoder would have stopped.
    static func isASCIIFieldValueByte(_ byte: UInt8) -> Bool { byte >= 0x20 ? byte < 0x7F : byte == 0x09 }

    /// `host [ ":" port ]` with host an IP-literal or a reg-name (RFC 3986 §3.2.2), never empty. A comma is
    /// refused although reg-name allows it: it is how two Host values get joined into one.
    static func isValidHost<Bytes: Collection<UInt8>>(_ value: Bytes) -> Bool {
        guard let first = value.first else { return false }
        var rest = value[...]
        if first == UInt8(ascii: "[") {
            guard let close = rest.firstIndex(of: UInt8(ascii: "]")) else { return false }
            let literal = rest[rest.index(after: rest.startIndex)..<close]
            guard !literal.isEmpty,
                literal.allSatisfy({ isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") })
            else { return false }
            rest = rest[rest.index(after: close)...]
        } else {
            let end = rest.firstIndex(of: UInt8(ascii: ":")) ?? rest.endIndex
            let name = rest[..<end]
            guard !name.isEmpty, isRegName(name) else { return false }
            rest = rest[end...]
        }
        guard let colon = rest.first else { return true }
        guard colon == UInt8(ascii: ":") else { return false }
        let port = rest.dropFirst()
        guard !port.isEmpty, port.count <= 5, port.allSatisfy(isDigit) else { return false }
        return port.reduce(0) { $0 * 10 + Int($1 - 0x30) } <= 65535
    }

    static func isRegName<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Bool {
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                let first = bytes.index(after: index)
                guard first != bytes.endIndex, isHexDigit(bytes[first]) else { return false }
                let second = bytes.index(after: first)
                guard second != bytes.endIndex, isHexDigit(bytes[second]) else { return false }
                index = bytes.index(after: second)
                continue
            }
            guard isAlphaNumeric(byte) || regNameSymbols.contains(byte) else { return false }
            index = bytes.index(after: index)
        }
        return true
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "f"))
    }

    /// The value of a hex digit (which must be one).
    static func hexValue(_ byte: UInt8) -> UInt8 { isDigit(byte) ? byte - 0x30 : (byte | 0x20) - 0x57 }

    static func isAlphaNumeric(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
    }

    static func isOWS(_ byte: UInt8) -> Bool { byte == space || byte == tab }

    /// Bytes without the optional whitespace (spaces and tabs) around them.
    static func trimmingOWS<Bytes: BidirectionalCollection<UInt8>>(_ bytes: Bytes) -> Bytes.SubSequence {
        var slice = bytes[...]
        while let first = slice.first, isOWS(first) { slice = slice.dropFirst() }
        while let last = slice.last, isOWS(last) { slice = slice.dropLast() }
        return slice
    }

    /// ASCII case-insensitive equality of `bytes` with `lowercased` (which must be lower-case ASCII).
    static func equalsIgnoringCase<Bytes: Collection<UInt8>>(_ bytes: Bytes, _ lowercased: StaticString) -> Bool {
        lowercased.withUTF8Buffer { expected in
            guard bytes.count == expected.count else { return false }
            return zip(bytes, expected).allSatisfy { lower($0) == $1 }
        }
    }

    /// ASCII case-insensitive equality of two byte collections.
    static func equalsIgnoringCase<Left: Collection<UInt8>, Right: Collection<UInt8>>(
        _ left: Left,
        _ right: Right
    ) -> Bool {
        left.count == right.count && zip(left, right).allSatisfy { lower($0) == lower($1) }
    }

    /// The ASCII lower case of a byte; other bytes unchanged.
    static func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
}
