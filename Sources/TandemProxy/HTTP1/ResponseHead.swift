import NIOCore

/// A response head from a backend as received, parsed once into offsets and the framing decision.
///
/// Every range is an offset from `bytes.readerIndex` (the status line's first byte).
struct ResponseHead: ParsedHead, Sendable {
    /// Exactly the head as received: the status line through the empty line.
    var bytes: ByteBuffer
    var status: Int
    /// 0 or 1.
    var minorVersion: Int
    var fields: [HeaderField]
    /// Decided with RFC 9112 §6.3; see `ResponseHeadParser.parse`.
    var framing: BodyFraming
    /// HTTP/1.1 unless `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`; never when the body
    /// runs until the connection closes.
    var keepAlive: Bool
    /// The tokens of `Connection`, validated, so the writer drops the fields they name.
    var connectionOptions: [Range<Int>]

    var isInformational: Bool { (100..<200).contains(status) }

}

/// Finds and parses response heads. Any invalid response is a `ParseError` with a reason for the log; the
/// handler answers 502 and does not reuse the connection.
///
/// Stricter than a browser on purpose: a response whose framing two parsers could read differently poisons a
/// pooled connection for the next request, so it is refused rather than guessed at.
enum ResponseHeadParser {
    struct ParseError: Error, Equatable, Sendable {
        var reason: String
    }

    typealias Scan = HeadScan<ParseError>

    /// Connection options beyond this many are refused: a backend has no reason to send more.
    static let maxConnectionTokens = 64

    /// Finds the end of a head at the start of `buffer`'s readable bytes, resuming at `scanned`. No empty line
    /// may come first: on a reused connection it means the previous response's framing was not what the backend
    /// meant. A bare LF or CR is refused; so is a head of more than `maxBytes` bytes.
    static func scan(_ buffer: ByteBuffer, from scanned: Int, maxBytes: Int) -> Scan {
        let outcome = buffer.withUnsafeReadableBytes { bytes in
            MessageHead.scan(
                bytes,
                from: scanned,
                maxBytes: maxBytes,
                firstLineLimit: maxBytes,
                maxLeadingEmptyLines: 0
            )
        }
        switch outcome {
        case .incomplete(let scanned): return .incomplete(scanned: scanned)
        case .complete(let length): return .complete(length: length)
        case .bareLF: return .invalid(ParseError(reason: "bare LF in the response head"))
        case .bareCR: return .invalid(ParseError(reason: "bare CR in the response head"))
        case .tooManyEmptyLines: return .invalid(ParseError(reason: "empty line before the status line"))
        case .tooLarge, .firstLineTooLong:
            return .invalid(ParseError(reason: "response head longer than \(maxBytes) bytes"))
        }
    }

    /// Parses a complete head (the first `length` readable bytes of `buffer`).
    ///
    /// Status line: `HTTP/1.x SP 3DIGIT [SP reason] CRLF`, status 100 to 599; the space before an empty reason
    /// may be missing (common in the wild, and unambiguous). Field lines as for requests, obs-text allowed in
    /// values. Framing (RFC 9112 §6.3): a response to HEAD, 1xx, 204 and 304 have no body; Transfer-Encoding whose
    /// last coding is chunked (once) is chunked, any other Transfer-Encoding runs until close; a valid
    /// Content-Length counts; nothing runs until close. Refused: Transfer-Encoding with Content-Length (the RFC
    /// lets TE win, but a proxy must not guess which one the backend meant), Transfer-Encoding in HTTP/1.0,
    /// Content-Length values that differ or are not digits.
    static func parse(_ buffer: ByteBuffer, length: Int, requestWasHEAD: Bool) -> Result<ResponseHead, ParseError> {
        guard length <= buffer.readableBytes, let headBytes = buffer.getSlice(at: buffer.readerIndex, length: length)
        else { return .failure(ParseError(reason: "incomplete response head")) }
        return headBytes.withUnsafeReadableBytes { bytes in
            parse(bytes, requestWasHEAD: requestWasHEAD).map { parsed in
                var head = parsed
                head.bytes = headBytes
                return head
            }
        }
    }

    private static func parse(
        _ bytes: UnsafeRawBufferPointer,
        requestWasHEAD: Bool
    ) -> Result<ResponseHead, ParseError> {
        func invalid(_ reason: String) -> Result<ResponseHead, ParseError> { .failure(ParseError(reason: reason)) }
        guard bytes.count >= 14, bytes[bytes.count - 2] == HTTPSyntax.cr, bytes[bytes.count - 1] == HTTPSyntax.lf
        else { return invalid("incomplete response head") }
        guard let minorVersion = MessageHead.version(bytes, at: 0), bytes[8] == HTTPSyntax.space else {
            return invalid("invalid status line")
        }
        guard (9..<12).allSatisfy({ HTTPSyntax.isDigit(bytes[$0]) }) else { return invalid("invalid status code") }
        let status = (9..<12).reduce(0) { $0 * 10 + Int(bytes[$1] - 0x30) }
        guard (100...599).contains(status) else { return invalid("invalid status code") }
        guard let lineEnd = MessageHead.lineFeed(bytes, from: 12, to: bytes.count).map({ $0 - 1 }) else {
            return invalid("invalid status line")
        }
        if lineEnd > 12 {
            guard bytes[12] == HTTPSyntax.space,
                bytes[13..<lineEnd].allSatisfy(HTTPSyntax.isFieldValueByte)
            else { return invalid("invalid status line") }
        } else if lineEnd != 12 {
            return invalid("invalid status line")
        }

        var fields: [HeaderField] = []
        fields.reserveCapacity(16)
        switch MessageHead.parseFields(
            bytes,
            from: lineEnd + 2,
            to: bytes.count,
            allowObsText: true,
            maxFields: Int.max,
            maxNameBytes: Int.max,
            into: &fields
        )
        {
        case nil: break
        case .obsFold?: return invalid("obsolete line folding in the response head")
        case .invalidName?: return invalid("invalid header name")
        case .invalidValue?: return invalid("invalid character in a header value")
        case .tooManyFields?, .nameTooLong?: return invalid("response head too large")
        }

        var options: [Range<Int>] = []
        var close = false
        var keepAliveToken = false
        var problem: String?
        for field in fields where field.kind == .connection {
            MessageHead.forEachElement(bytes, in: field.value) { token in
                guard options.count < maxConnectionTokens else {
                    problem = "more than \(maxConnectionTokens) Connection options"
                    return false
                }
                guard HTTPSyntax.isToken(bytes[token]) else {
                    problem = "invalid Connection header"
                    return false
                }
                switch FieldKind.of(bytes[token]) {
                case .contentLength, .transferEncoding:
                    problem = "Connection header names a framing field"
                    return false
                default: break
                }
                if HTTPSyntax.equalsIgnoringCase(bytes[token], "close") { close = true }
                if HTTPSyntax.equalsIgnoringCase(bytes[token], "keep-alive") { keepAliveToken = true }
                options.append(token)
                return true
            }
            if let problem { return invalid(problem) }
        }

        let framing: BodyFraming
        let decision = decideFraming(
            bytes,
            fields,
            status: status,
            minorVersion: minorVersion,
            requestWasHEAD: requestWasHEAD
        )
        switch decision {
        case .success(let decided): framing = decided
        case .failure(let error): return .failure(error)
        }
        let keepAlive = !close && (minorVersion == 1 || keepAliveToken) && framing != .untilClose
        return .success(
            ResponseHead(
                bytes: ByteBuffer(),
                status: status,
                minorVersion: minorVersion,
                fields: fields,
                framing: framing,
                keepAlive: keepAlive,
                connectionOptions: options
            )
        )
    }

    private static func decideFraming(
        _ bytes: UnsafeRawBufferPointer,
        _ fields: [HeaderField],
        status: Int,
        minorVersion: Int,
        requestWasHEAD: Bool
    ) -> Result<BodyFraming, ParseError> {
        func invalid(_ reason: String) -> Result<BodyFraming, ParseError> { .failure(ParseError(reason: reason)) }
        let hasCoding = fields.contains { $0.kind == .transferEncoding }
        var length: Int?
        for field in fields where field.kind == .contentLength {
            if hasCoding { return invalid("Content-Length together with Transfer-Encoding") }
            var start = field.value.lowerBound
            for index in field.value.lowerBound...field.value.upperBound
            where index == field.value.upperBound || bytes[index] == HTTPSyntax.comma {
                guard let value = MessageHead.decimal(bytes, in: trimmed(bytes, start..<index)) else {
                    return invalid("invalid Content-Length")
                }
                if let length, length != value { return invalid("conflicting Content-Length values") }
                length = value
                start = index + 1
            }
        }
        var lastIsChunked = false
        var chunked = 0
        if hasCoding {
            if minorVersion == 0 { return invalid("Transfer-Encoding in an HTTP/1.0 response") }
            for field in fields where field.kind == .transferEncoding {
                MessageHead.forEachElement(bytes, in: field.value) { coding in
                    lastIsChunked = HTTPSyntax.equalsIgnoringCase(bytes[coding], "chunked")
                    if lastIsChunked { chunked += 1 }
                    return true
                }
            }
            if chunked > 1 { return invalid("chunked applied more than once") }
            if chunked == 1, !lastIsChunked { return invalid("chunked is not the last transfer coding") }
        }
        if requestWasHEAD || (100..<200).contains(status) || status == 204 || status == 304 {
            return .success(.none)
        }
        if hasCoding { return .success(lastIsChunked ? .chunked : .untilClose) }
        if let length { return .success(.contentLength(length)) }
        return .success(.untilClose)
    }

    private static func trimmed(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, HTTPSyntax.isOWS(bytes[lower]) { lower += 1 }
        while upper > lower, HTTPSyntax.isOWS(bytes[upper - 1]) { upper -= 1 }
        return lower..<upper
    }
}
