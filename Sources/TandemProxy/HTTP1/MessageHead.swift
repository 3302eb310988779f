import NIOCore

/// What a header field is, decided once at parse time so nothing re-compares names later.
enum FieldKind: UInt8, Sendable {
    case other, host, contentLength, transferEncoding, connection, keepAlive, proxyConnection, te, trailer, upgrade
    case proxyAuthenticate, proxyAuthorization, cookie, setCookie, expect, xForwardedFor, xForwardedProto
    case xForwardedHost

    /// Fields that describe one connection and never cross a proxy (RFC 9110 §7.6.1), besides those that
    /// `Connection` names. The framing fields are not among them: the writer rebuilds framing anyway.
    var isHopByHop: Bool {
        switch self {
        case .connection, .keepAlive, .proxyConnection, .te, .trailer, .upgrade, .proxyAuthenticate,
            .proxyAuthorization:
            true
        case .other, .host, .contentLength, .transferEncoding, .cookie, .setCookie, .expect, .xForwardedFor,
            .xForwardedProto, .xForwardedHost:
            false
        }
    }

    /// The kind of a field name, compared without regard to ASCII case. A switch on the length first, so most
    /// names cost one comparison at most.
    static func of<Name: Collection<UInt8>>(_ name: Name) -> FieldKind {
        func named(_ lowercased: StaticString) -> Bool { HTTPSyntax.equalsIgnoringCase(name, lowercased) }
        switch name.count {
        case 2: return named("te") ? .te : .other
        case 4: return named("host") ? .host : .other
        case 6: return named("cookie") ? .cookie : named("expect") ? .expect : .other
        case 7: return named("trailer") ? .trailer : named("upgrade") ? .upgrade : .other
        case 10:
            return named("connection")
                ? .connection
                : named("keep-alive")
                    ? .keepAlive
                    : named("set-cookie") ? .setCookie : .other
        case 14: return named("content-length") ? .contentLength : .other
        case 15: return named("x-forwarded-for") ? .xForwardedFor : .other
        case 16:
            return named("proxy-connection")
                ? .proxyConnection
                : named("x-forwarded-host") ? .xForwardedHost : .other
        case 17:
            return named("transfer-encoding")
                ? .transferEncoding
                : named("x-forwarded-proto") ? .xForwardedProto : .other
        case 18: return named("proxy-authenticate") ? .proxyAuthenticate : .other
        case 19: return named("proxy-authorization") ? .proxyAuthorization : .other
        default: return .other
        }
    }
}

/// One field line of a head: offsets from the head's first byte (its `readerIndex`), the value without the
/// optional whitespace around it.
struct HeaderField: Sendable, Equatable {
    var name: Range<Int>
    var value: Range<Int>
    var kind: FieldKind
}

/// How a message body is delimited (RFC 9112 §6.3).
enum BodyFraming: Equatable, Sendable {
    case none
    case contentLength(Int)
    case chunked
    /// The body runs until the connection closes: responses only.
    case untilClose

    var hasBody: Bool {
        switch self {
        case .none, .contentLength(0): false
        case .contentLength, .chunked, .untilClose: true
        }
    }
}

/// What a parsed request or response head offers the writer: its bytes, its fields (offsets into the bytes) and the
/// options its `Connection` field names.
protocol ParsedHead {
    var bytes: ByteBuffer { get }
    var fields: [HeaderField] { get }
    var connectionOptions: [Range<Int>] { get }
}

extension ParsedHead {
    /// The bytes at `range` as a `String`, for logs and routing only (off the per-field path).
    func string(_ range: Range<Int>) -> String {
        bytes.getString(at: bytes.readerIndex + range.lowerBound, length: range.count) ?? ""
    }

    /// Whether `field` must not cross the proxy: a hop-by-hop field, or one that a `Connection` option names.
    func isConnectionSpecific(_ field: HeaderField) -> Bool {
        if field.kind.isHopByHop { return true }
        if connectionOptions.isEmpty { return false }
        return bytes.withUnsafeReadableBytes { raw in
            connectionOptions.contains { HTTPSyntax.equalsIgnoringCase(raw[field.name], raw[$0]) }
        }
    }
}

/// What a head scan found, with the parser's own kind of refusal.
enum HeadScan<Problem: Equatable>: Equatable {
    /// No end yet; pass `scanned` to the next call.
    case incomplete(scanned: Int)
    /// The head is the first `length` readable bytes (leading empty lines included).
    case complete(length: Int)
    case invalid(Problem)
}

/// The line-level machinery both head parsers share: finding the end of a head and splitting field lines.
///
/// Both work on the raw bytes of a `ByteBuffer`'s readable region (`withUnsafeReadableBytes`), so a head costs one
/// pass to find and one pass to parse, and no `String` is made per field.
enum MessageHead {
    /// What a scan found at the front of the bytes.
    enum ScanOutcome: Equatable {
        case incomplete(scanned: Int)
        case complete(length: Int)
        case bareLF
        case bareCR
        case tooManyEmptyLines
        /// No end within the byte limit.
        case tooLarge
        /// No line feed ended the first line within its limit.
        case firstLineTooLong
    }

    /// Looks for the empty line that ends a head, resuming at `scanned` (every byte before it was checked by an
    /// earlier call on the same bytes), so a trickled head costs one pass in total.
    ///
    /// Every LF must follow a CR and every CR precede an LF: llhttp refuses both bare forms, and two parsers that
    /// split lines differently is how a field gets smuggled. A CR as the last byte cannot be judged yet, so the
    /// scan stops before it. Up to `maxLeadingEmptyLines` CRLFs may come before the first line (RFC 9112 §2.2)
    /// and count in the length.
    static func scan(
        _ bytes: UnsafeRawBufferPointer,
        from scanned: Int,
        maxBytes: Int,
        firstLineLimit: Int,
        maxLeadingEmptyLines: Int
    ) -> ScanOutcome {
        let count = bytes.count
        var index = scanned
        while index < count {
            if index == firstLineLimit, !firstLineEnded(bytes, before: index) { return .firstLineTooLong }
            if index == maxBytes { return .tooLarge }
            let byte = bytes[index]
            if byte == HTTPSyntax.lf {
                guard index > 0, bytes[index - 1] == HTTPSyntax.cr else { return .bareLF }
                let lineStart = index - 1
                if lineStart == 0 || bytes[lineStart - 1] == HTTPSyntax.lf {
                    guard leadingEmptyLines(bytes, upTo: lineStart) else { return .complete(length: index + 1) }
                    if lineStart / 2 + 1 > maxLeadingEmptyLines { return .tooManyEmptyLines }
                }
            } else if byte == HTTPSyntax.cr {
                guard index + 1 < count else { return .incomplete(scanned: index) }
                guard bytes[index + 1] == HTTPSyntax.lf else { return .bareCR }
            }
            index += 1
        }
        return .incomplete(scanned: index)
    }

    /// Whether `bytes[..<end]` is nothing but CRLF pairs (so an empty line at `end` is a leading one).
    private static func leadingEmptyLines(_ bytes: UnsafeRawBufferPointer, upTo end: Int) -> Bool {
        guard end % 2 == 0 else { return false }
        var index = 0
        while index < end {
            guard bytes[index] == HTTPSyntax.cr, bytes[index + 1] == HTTPSyntax.lf else { return false }
            index += 2
        }
        return true
    }

    /// The number of leading CRLF bytes of a head.
    static func leadingEmptyLineBytes(_ bytes: UnsafeRawBufferPointer) -> Int {
        var index = 0
        while index + 1 < bytes.count, bytes[index] == HTTPSyntax.cr, bytes[index + 1] == HTTPSyntax.lf {
            index += 2
        }
        return index
    }

    /// Whether a line feed after the leading empty lines ends the first line before `limit`: asked once per
    /// head, when the scan reaches the limit, so it costs one more pass over at most `limit` bytes.
    private static func firstLineEnded(_ bytes: UnsafeRawBufferPointer, before limit: Int) -> Bool {
        let start = leadingEmptyLineBytes(UnsafeRawBufferPointer(rebasing: bytes[..<limit]))
        return bytes[start..<limit].contains(HTTPSyntax.lf)
    }

    /// Why a field line was refused.
    enum FieldProblem: Equatable {
        case obsFold
        case invalidName
        case invalidValue
        case tooManyFields
        case nameTooLong
    }

    /// Splits the field lines of `bytes[start..<end]` (the last two bytes being the empty line's CRLF) into
    /// fields: `token ":" OWS field-value OWS CRLF`, no whitespace before the colon, no obs-fold, no empty name.
    /// Requests refuse obs-text in values as llhttp does (`allowObsText` false); responses may carry it.
    static func parseFields(
        _ bytes: UnsafeRawBufferPointer,
        from start: Int,
        to end: Int,
        allowObsText: Bool,
        maxFields: Int,
        maxNameBytes: Int,
        into fields: inout [HeaderField]
    ) -> FieldProblem? {
        var lineStart = start
        let last = end - 2
        while lineStart < last {
            guard let lineEnd = lineFeed(bytes, from: lineStart, to: end), lineEnd > lineStart,
                bytes[lineEnd - 1] == HTTPSyntax.cr
            else { return .invalidName }
            let valueEnd = lineEnd - 1
            let first = bytes[lineStart]
            if HTTPSyntax.isOWS(first) { return .obsFold }
            if fields.count == maxFields { return .tooManyFields }
            var colon = lineStart
            while colon < valueEnd, HTTPSyntax.isTokenByte(bytes[colon]) { colon += 1 }
            if colon - lineStart > maxNameBytes { return .nameTooLong }
            guard colon < valueEnd, colon > lineStart, bytes[colon] == HTTPSyntax.colon else { return .invalidName }
            var valueStart = colon + 1
            while valueStart < valueEnd, HTTPSyntax.isOWS(bytes[valueStart]) { valueStart += 1 }
            var trimmedEnd = valueEnd
            while trimmedEnd > valueStart, HTTPSyntax.isOWS(bytes[trimmedEnd - 1]) { trimmedEnd -= 1 }
            for index in valueStart..<trimmedEnd {
                let byte = bytes[index]
                let valid = allowObsText ? HTTPSyntax.isFieldValueByte(byte) : HTTPSyntax.isASCIIFieldValueByte(byte)
                if !valid { return .invalidValue }
            }
            let name = lineStart..<colon
            fields.append(
                HeaderField(name: name, value: valueStart..<trimmedEnd, kind: FieldKind.of(bytes[name]))
            )
            lineStart = lineEnd + 1
        }
        return nil
    }

    /// The index of the next LF in `bytes[start..<end]`.
    static func lineFeed(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Int? {
        var index = start
        while index < end {
            if bytes[index] == HTTPSyntax.lf { return index }
            index += 1
        }
        return nil
    }

    /// Calls `body` with each non-empty element of a comma-separated list value, without OWS: the `#rule` of
    /// RFC 9110 §5.6.1. Stops when `body` returns false, and returns false then.
    @discardableResult
    static func forEachElement(
        _ bytes: UnsafeRawBufferPointer,
        in range: Range<Int>,
        _ body: (Range<Int>) -> Bool
    ) -> Bool {
        var elementStart = range.lowerBound
        var index = range.lowerBound
        while index <= range.upperBound {
            if index == range.upperBound || bytes[index] == HTTPSyntax.comma {
                var lower = elementStart
                var upper = index
                while lower < upper, HTTPSyntax.isOWS(bytes[lower]) { lower += 1 }
                while upper > lower, HTTPSyntax.isOWS(bytes[upper - 1]) { upper -= 1 }
                if lower < upper, !body(lower..<upper) { return false }
                elementStart = index + 1
            }
            index += 1
        }
        return true
    }

    /// The decimal value of a Content-Length element: digits only, at most 18 of them (no sign, no overflow).
    static func decimal(_ bytes: UnsafeRawBufferPointer, in range: Range<Int>) -> Int? {
        guard !range.isEmpty, range.count <= 18 else { return nil }
        var value = 0
        for index in range {
            let byte = bytes[index]
            guard HTTPSyntax.isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    /// `HTTP/1.0` or `HTTP/1.1` at `start`: the minor version, nil for anything else.
    static func version(_ bytes: UnsafeRawBufferPointer, at start: Int) -> Int? {
        guard start + 8 <= bytes.count else { return nil }
        let prefix: StaticString = "HTTP/1."
        let matches = prefix.withUTF8Buffer { expected in
            (0..<7).allSatisfy { bytes[start + $0] == expected[$0] }
        }
        guard matches else { return nil }
        switch bytes[start + 7] {
        case UInt8(ascii: "0"): return 0
        case UInt8(ascii: "1"): return 1
        default: return nil
        }
    }
}
