import NIOCore

/// A request head as received, parsed once into offsets and the decisions the proxy needs: method, target,
/// framing, persistence, the one Host, the Connection options.
///
/// Every range is an offset from `bytes.readerIndex` (the request line's first byte), so the head can be moved
/// or sliced without re-parsing, and the writer copies names and values straight from `bytes`.
struct RequestHead: ParsedHead, Sendable {
    /// The methods the proxy treats specially, matched exactly and case-sensitively (RFC 9110 §9.1).
    enum KnownMethod: Sendable, Equatable {
        case get, head, post, put, patch, delete, options, trace, connect, other
    }

    /// An absolute-form target (`http://authority/path?query`) split for the upstream request line.
    ///
    /// The upstream target is origin-form: `/` when `pathNeedsLeadingSlash`, then the bytes at `path` (which may
    /// be empty, or start with `?`). Ranges rather than a `String`, so nothing is allocated per request.
    struct AbsoluteForm: Sendable, Equatable {
        var path: Range<Int>
        var pathNeedsLeadingSlash: Bool
        var authority: Range<Int>
    }

    /// Exactly the head as received: the request line through the empty line (leading empty lines excluded).
    var bytes: ByteBuffer
    var method: Range<Int>
    var knownMethod: KnownMethod
    /// The request target as received.
    var target: Range<Int>
    /// 0 or 1.
    var minorVersion: Int
    var fields: [HeaderField]
    /// `.none`, `.contentLength(n)` or `.chunked`, never `.untilClose`.
    var framing: BodyFraming
    /// HTTP/1.1: unless `Connection` has `close`; HTTP/1.0: only with `Connection: keep-alive` (and no `close`).
    var keepAlive: Bool
    /// `Expect: 100-continue`.
    var expectsContinue: Bool
    /// Set for an absolute-form target; nil for origin-form and asterisk-form.
    var absoluteForm: AbsoluteForm?
    /// The one validated Host (the authority for absolute-form); nil only for HTTP/1.0 without Host.
    var host: Range<Int>?
    /// The tokens of `Connection`, validated (tokens, none naming Content-Length, Transfer-Encoding or Host) and
    /// capped at `maxConnectionTokens`, so the writer drops the fields they name.
    var connectionOptions: [Range<Int>]

    /// Methods whose requests may be repeated without changing their effect (RFC 9110 §9.2.2), so a request
    /// that never reached a backend can be sent to another.
    var isIdempotent: Bool {
        switch knownMethod {
        case .get, .head, .put, .delete, .options, .trace: true
        case .post, .patch, .connect, .other: false
        }
    }

}

/// Finds and parses request heads on raw bytes with every rule a request head must pass (same statuses, same
/// reasons) and at least llhttp's syntax, so switching from NIO's decoder lets nothing new through.
///
/// Where llhttp refused a shape that the request head rules never saw (obs-text in a value, a duplicate
/// identical Content-Length, an unknown method), this parser refuses it too, with a 400.
enum RequestHeadParser {
    /// The limits of one frontend that a head is checked against.
    struct Limits {
        var maxHeaderBytes: Int
        var maxURIBytes: Int
        var maxHeaderFields: Int
        var maxHeaderNameBytes: Int
        var maxConnectionTokens: Int
    }

    typealias Scan = HeadScan<ProxyErrorResponse>

    /// CRLFs allowed before a request line (RFC 9112 §2.2 asks to ignore at least one): a client that ends a body
    /// with an extra CRLF still works, a stream of them does not keep the connection busy.
    static let maxLeadingEmptyLines = 4

    /// What a request line may hold besides its target: the longest llhttp method (11 bytes), two spaces,
    /// `HTTP/1.1`, the CR, and the leading empty lines, rounded up.
    static let requestLineSlack = 32

    /// Finds the end of a head at the start of `buffer`'s readable bytes, resuming at `scanned` (what an earlier
    /// call returned, 0 at first), so a trickled head is scanned once in total.
    ///
    /// Refuses as early as it can: a bare LF or a bare CR anywhere (400); more than `maxLeadingEmptyLines` empty
    /// lines before the request line (400); no line feed ending the request line within `maxURIBytes` +
    /// `requestLineSlack` bytes (414); no end of the head within `maxHeaderBytes` bytes (431).
    static func scan(_ buffer: ByteBuffer, from scanned: Int, limits: RequestHeadParser.Limits) -> Scan {
        let outcome = buffer.withUnsafeReadableBytes { bytes in
            MessageHead.scan(
                bytes,
                from: scanned,
                maxBytes: limits.maxHeaderBytes,
                firstLineLimit: limits.maxURIBytes + requestLineSlack,
                maxLeadingEmptyLines: maxLeadingEmptyLines
            )
        }
        switch outcome {
        case .incomplete(let scanned): return .incomplete(scanned: scanned)
        case .complete(let length): return .complete(length: length)
        case .bareLF: return .invalid(.badRequest("bare LF in the request head"))
        case .bareCR: return .invalid(.badRequest("bare CR in the request head"))
        case .tooManyEmptyLines: return .invalid(.badRequest("empty lines before the request line"))
        case .tooLarge: return .invalid(.headersTooLarge(nil))
        case .firstLineTooLong: return .invalid(.uriTooLong)
        }
    }

    /// Parses a complete head: the first `length` readable bytes of `buffer`, as `scan` found them.
    ///
    /// Request line: `method SP target SP HTTP/1.x CRLF`, the method one of llhttp's, the target visible ASCII.
    /// Field lines: `token ":" OWS value OWS CRLF`, no obs-fold, no empty name, ASCII values. Then the rules of
    /// the request head rules, in its order.
    static func parse(
        _ buffer: ByteBuffer,
        length: Int,
        limits: RequestHeadParser.Limits
    ) -> Result<RequestHead, ProxyErrorResponse> {
        guard length <= buffer.readableBytes else { return .failure(.badRequest("incomplete request head")) }
        let leading = buffer.withUnsafeReadableBytes { raw in
            MessageHead.leadingEmptyLineBytes(UnsafeRawBufferPointer(rebasing: raw[..<length]))
        }
        guard let headBytes = buffer.getSlice(at: buffer.readerIndex + leading, length: length - leading) else {
            return .failure(.badRequest("incomplete request head"))
        }
        return headBytes.withUnsafeReadableBytes { bytes in
            parse(bytes, limits: limits).map { parsed in
                var head = parsed
                head.bytes = headBytes
                return head
            }
        }
    }

    // MARK: Parsing

    private static func parse(
        _ bytes: UnsafeRawBufferPointer,
        limits: RequestHeadParser.Limits
    ) -> Result<RequestHead, ProxyErrorResponse> {
        guard bytes.count >= 4, bytes[bytes.count - 2] == HTTPSyntax.cr, bytes[bytes.count - 1] == HTTPSyntax.lf
        else { return .failure(.badRequest("incomplete request head")) }

        // Request line.
        var methodEnd = 0
        while methodEnd < bytes.count, HTTPSyntax.isTokenByte(bytes[methodEnd]) { methodEnd += 1 }
        guard methodEnd > 0, methodEnd < bytes.count, bytes[methodEnd] == HTTPSyntax.space else {
            return .failure(.badRequest("invalid request line"))
        }
        let method = 0..<methodEnd
        guard let knownMethod = Self.knownMethod(bytes[method]) else {
            return .failure(.badRequest("unknown method"))
        }
        let targetStart = methodEnd + 1
        var targetEnd = targetStart
        while targetEnd < bytes.count, bytes[targetEnd] != HTTPSyntax.space, bytes[targetEnd] != HTTPSyntax.cr {
            guard bytes[targetEnd] > 0x20, bytes[targetEnd] < 0x7F else {
                return .failure(.badRequest("invalid character in the request target"))
            }
            targetEnd += 1
        }
        guard targetEnd > targetStart, targetEnd < bytes.count, bytes[targetEnd] == HTTPSyntax.space else {
            return .failure(.badRequest("invalid request line"))
        }
        let versionStart = targetEnd + 1
        let lineEnd = versionStart + 8
        guard lineEnd + 1 < bytes.count, bytes[lineEnd] == HTTPSyntax.cr, bytes[lineEnd + 1] == HTTPSyntax.lf else {
            return .failure(.badRequest("invalid request line"))
        }
        guard let minorVersion = MessageHead.version(bytes, at: versionStart) else {
            return .failure(
                .badRequest(
                    looksLikeVersion(bytes, at: versionStart)
                        ? "unsupported HTTP version" : "invalid request line"
                )
            )
        }
        let target = targetStart..<targetEnd
        if target.count > limits.maxURIBytes { return .failure(.uriTooLong) }

        // Field lines.
        var fields: [HeaderField] = []
        fields.reserveCapacity(16)
        let problem = MessageHead.parseFields(
            bytes,
            from: lineEnd + 2,
            to: bytes.count,
            allowObsText: false,
            maxFields: limits.maxHeaderFields,
            maxNameBytes: limits.maxHeaderNameBytes,
            into: &fields
        )
        switch problem {
        case nil: break
        case .tooManyFields?: return .failure(.headersTooLarge("more than \(limits.maxHeaderFields) header fields"))
        case .nameTooLong?:
            return .failure(.headersTooLarge("a header name is longer than \(limits.maxHeaderNameBytes) bytes"))
        case .invalidName?: return .failure(.badRequest("invalid header name"))
        case .invalidValue?: return .failure(.badRequest("invalid character in a header value"))
        case .obsFold?: return .failure(.badRequest("obsolete line folding in the request head"))
        }
        var headerBytes = target.count
        for field in fields { headerBytes += field.name.count + field.value.count + 4 }
        if headerBytes > limits.maxHeaderBytes { return .failure(.headersTooLarge(nil)) }
        if knownMethod == .connect {
            return .failure(.methodNotAllowed("CONNECT is not served: this is a reverse proxy, not a forward proxy"))
        }

        // Target and Host.
        let absoluteForm: RequestHead.AbsoluteForm?
        switch parseTarget(bytes, target, isOptions: knownMethod == .options) {
        case .success(let form): absoluteForm = form
        case .failure(let problem): return .failure(problem)
        }
        var host: Range<Int>?
        for field in fields where field.kind == .host {
            if host != nil { return .failure(.badRequest("more than one Host header")) }
            host = field.value
        }
        if let sent = host, !HTTPSyntax.isValidHost(bytes[sent]) { return .failure(.badRequest("invalid Host header")) }
        if let authority = absoluteForm?.authority {
            if let sent = host, !HTTPSyntax.equalsIgnoringCase(bytes[sent], bytes[authority]) {
                return .failure(.badRequest("Host header differs from the request target's authority"))
            }
            host = authority
        }
        if host == nil, minorVersion >= 1 { return .failure(.badRequest("missing Host header")) }

        // Connection options.
        var options: [Range<Int>] = []
        var close = false
        var keepAliveToken = false
        var optionProblem: ProxyErrorResponse?
        for field in fields where field.kind == .connection {
            MessageHead.forEachElement(bytes, in: field.value) { token in
                if options.count == limits.maxConnectionTokens {
                    optionProblem = .badRequest("more than \(limits.maxConnectionTokens) Connection options")
                    return false
                }
                guard HTTPSyntax.isToken(bytes[token]) else {
                    optionProblem = .badRequest("invalid Connection header")
                    return false
                }
                switch FieldKind.of(bytes[token]) {
                case .contentLength, .transferEncoding, .host:
                    let name = String(decoding: bytes[token].map(HTTPSyntax.lower), as: UTF8.self)
                    optionProblem = .badRequest("Connection header names \(name)")
                    return false
                default: break
                }
                if HTTPSyntax.equalsIgnoringCase(bytes[token], "close") { close = true }
                if HTTPSyntax.equalsIgnoringCase(bytes[token], "keep-alive") { keepAliveToken = true }
                options.append(token)
                return true
            }
            if let optionProblem { return .failure(optionProblem) }
        }

        // Framing.
        let framing: BodyFraming
        switch decideFraming(bytes, fields, minorVersion: minorVersion) {
        case .success(let decided): framing = decided
        case .failure(let problem): return .failure(problem)
        }
        if knownMethod == .trace, framing.hasBody { return .failure(.badRequest("TRACE with a body")) }

        let expectsContinue = fields.contains {
            $0.kind == .expect && HTTPSyntax.equalsIgnoringCase(bytes[$0.value], "100-continue")
        }
        return .success(
            RequestHead(
                bytes: ByteBuffer(),
                method: method,
                knownMethod: knownMethod,
                target: target,
                minorVersion: minorVersion,
                fields: fields,
                framing: framing,
                keepAlive: !close && (minorVersion == 1 || keepAliveToken),
                expectsContinue: expectsContinue,
                absoluteForm: absoluteForm,
                host: host,
                connectionOptions: options
            )
        )
    }

    /// `HTTP/d.d`: a version, if not one this proxy speaks.
    private static func looksLikeVersion(_ bytes: UnsafeRawBufferPointer, at start: Int) -> Bool {
        let prefix: StaticString = "HTTP/"
        let matches = prefix.withUTF8Buffer { expected in (0..<5).allSatisfy { bytes[start + $0] == expected[$0] } }
        return matches && HTTPSyntax.isDigit(bytes[start + 5]) && bytes[start + 6] == UInt8(ascii: ".")
            && HTTPSyntax.isDigit(bytes[start + 7])
    }

    /// The methods llhttp knows besides those in `KnownMethod`: anything else it refused, and so does the proxy.
    private static let otherMethods: [[UInt8]] = [
        "COPY", "LOCK", "MKCOL", "MOVE", "PROPFIND", "PROPPATCH", "SEARCH", "UNLOCK", "BIND", "REBIND", "UNBIND",
        "ACL", "REPORT", "MKACTIVITY", "CHECKOUT", "MERGE", "M-SEARCH", "NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE",
        "PURGE", "MKCALENDAR", "LINK", "UNLINK", "SOURCE", "QUERY",
    ].map { Array($0.utf8) }

    private static func knownMethod(_ name: Slice<UnsafeRawBufferPointer>) -> RequestHead.KnownMethod? {
        func named(_ method: StaticString) -> Bool {
            method.withUTF8Buffer { name.elementsEqual($0) }
        }
        switch name.count {
        case 3 where named("GET"): return .get
        case 3 where named("PUT"): return .put
        case 4 where named("POST"): return .post
        case 4 where named("HEAD"): return .head
        case 5 where named("PATCH"): return .patch
        case 5 where named("TRACE"): return .trace
        case 6 where named("DELETE"): return .delete
        case 7 where named("OPTIONS"): return .options
        case 7 where named("CONNECT"): return .connect
        default: return otherMethods.contains { name.elementsEqual($0) } ? .other : nil
        }
    }

    /// Origin-form passes as it is; absolute-form becomes origin-form plus an authority; asterisk-form is only for
    /// OPTIONS. Anything else (a relative path, a fragment, authority-form) is refused (RFC 9112 §3.2).
    private static func parseTarget(
        _ bytes: UnsafeRawBufferPointer,
        _ target: Range<Int>,
        isOptions: Bool
    ) -> Result<RequestHead.AbsoluteForm?, ProxyErrorResponse> {
        let uri = bytes[target]
        if uri.contains(UInt8(ascii: "#")) { return .failure(.badRequest("fragment in the request target")) }
        if uri.first == UInt8(ascii: "/") { return .success(nil) }
        if uri.count == 1, uri.first == UInt8(ascii: "*") {
            guard isOptions else { return .failure(.badRequest("asterisk-form target outside OPTIONS")) }
            return .success(nil)
        }
        let schemeLength: Int
        if uri.count >= 7, HTTPSyntax.equalsIgnoringCase(uri.prefix(7), "http://") {
            schemeLength = 7
        } else if uri.count >= 8, HTTPSyntax.equalsIgnoringCase(uri.prefix(8), "https://") {
            schemeLength = 8
        } else {
            return .failure(.badRequest("request target must start with / or be an absolute http URI"))
        }
        let authorityStart = target.lowerBound + schemeLength
        var authorityEnd = authorityStart
        while authorityEnd < target.upperBound, bytes[authorityEnd] != UInt8(ascii: "/"),
            bytes[authorityEnd] != UInt8(ascii: "?")
        {
            authorityEnd += 1
        }
        let authority = authorityStart..<authorityEnd
        guard HTTPSyntax.isValidHost(bytes[authority]) else {
            return .failure(.badRequest("invalid authority in the request target"))
        }
        let path = authorityEnd..<target.upperBound
        let needsSlash = path.isEmpty || bytes[path.lowerBound] != UInt8(ascii: "/")
        return .success(.init(path: path, pathNeedsLeadingSlash: needsSlash, authority: authority))
    }

    /// The body framing, refusing every shape that two parsers could read differently: the rules of RFC 9112 §6,
    /// plus llhttp's refusals of a repeated Content-Length even when equal and of a tab after its digits.
    private static func decideFraming(
        _ bytes: UnsafeRawBufferPointer,
        _ fields: [HeaderField],
        minorVersion: Int
    ) -> Result<BodyFraming, ProxyErrorResponse> {
        let hasLength = fields.contains { $0.kind == .contentLength }
        if fields.contains(where: { $0.kind == .transferEncoding }) {
            if hasLength { return .failure(.badRequest("Content-Length together with Transfer-Encoding")) }
            // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
            if minorVersion == 0 { return .failure(.badRequest("Transfer-Encoding in an HTTP/1.0 request")) }
            var codings = 0
            var chunked = 0
            for field in fields where field.kind == .transferEncoding {
                MessageHead.forEachElement(bytes, in: field.value) { coding in
                    codings += 1
                    if HTTPSyntax.equalsIgnoringCase(bytes[coding], "chunked") { chunked += 1 }
                    return true
                }
            }
            if chunked > 1 { return .failure(.badRequest("chunked applied more than once")) }
            guard codings == 1, chunked == 1 else {
                return .failure(.notImplemented("only the chunked transfer coding is supported"))
            }
            return .success(.chunked)
        }
        guard hasLength else { return .success(.none) }
        var length: Int?
        var elements = 0
        for field in fields where field.kind == .contentLength {
            // llhttp refuses a tab between the digits and the line end (a space it allows): so does this.
            var trailing = field.value.upperBound
            while trailing < bytes.count, bytes[trailing] != HTTPSyntax.cr {
                if bytes[trailing] == UInt8(ascii: "\t") { return .failure(.badRequest("invalid Content-Length")) }
                trailing += 1
            }
            // Split without dropping empty elements: `5,` is as invalid as `5 5`.
            var start = field.value.lowerBound
            for index in field.value.lowerBound...field.value.upperBound
            where index == field.value.upperBound || bytes[index] == HTTPSyntax.comma {
                var lower = start
                var upper = index
                while lower < upper, HTTPSyntax.isOWS(bytes[lower]) { lower += 1 }
                while upper > lower, HTTPSyntax.isOWS(bytes[upper - 1]) { upper -= 1 }
                guard let value = MessageHead.decimal(bytes, in: lower..<upper) else {
                    return .failure(.badRequest("invalid Content-Length"))
                }
                if let length, length != value { return .failure(.badRequest("conflicting Content-Length values")) }
                length = value
                elements += 1
                start = index + 1
            }
        }
        if elements > 1 { return .failure(.badRequest("more than one Content-Length value")) }
        return .success(.contentLength(length ?? 0))
    }
}
