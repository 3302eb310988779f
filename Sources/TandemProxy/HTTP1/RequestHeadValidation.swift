import NIOHTTP1

/// Decides whether a request head the decoder produced may cross the proxy, and rebuilds the head the backend
/// gets from what was decided, never by copying the client's framing.
///
/// A proxy and a backend that read one byte stream differently is request smuggling: a second request hidden in
/// a body, or half a request left on a pooled connection for the next user. So every ambiguity is refused here
/// (RFC 9112 §3.2, §6; RFC 9110 §7.2) and the upstream head carries exactly one framing field built from the
/// decision: `Content-Length: N` or `Transfer-Encoding: chunked`, whatever the method, and neither when the
/// request has no body (POST, PUT and PATCH get `Content-Length: 0`, which some servers require).
///
/// The work is linear in the head: `Connection` tokens go into a set once and the fields are filtered in one pass,
/// so a header with thousands of tokens costs no more than reading it.
enum RequestHeadValidation {
    /// How the request body is delimited, as the decoder and this check agreed.
    enum Framing: Equatable {
        case none
        case contentLength(Int)
        case chunked

        var hasBody: Bool {
            switch self {
            case .none, .contentLength(0): false
            case .contentLength, .chunked: true
            }
        }
    }

    /// The limits of one frontend that a head is checked against.
    struct Limits {
        var maxHeaderBytes: Int
        var maxURIBytes: Int
        var maxHeaderFields: Int
        var maxHeaderNameBytes: Int
        var maxConnectionTokens: Int
    }

    /// A head that may be forwarded.
    struct Accepted {
        /// What goes upstream: HTTP/1.1, origin-form target, one `Host`, no hop-by-hop fields, rebuilt framing.
        var upstreamHead: HTTPRequestHead
        /// The one validated `Host` (from the absolute-form authority when the client used that form).
        var host: String?
        var framing: Framing
    }

    /// Header fields that describe one connection and never cross a proxy (RFC 9110 §7.6.1), plus the framing
    /// fields, which are rebuilt.
    static let droppedNames: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
        "proxy-authenticate", "proxy-authorization", "content-length",
    ]

    /// Fields whose meaning a `Connection` header must not be allowed to remove: stripping them as hop-by-hop
    /// would change the framing or the target the backend sees.
    static let protectedNames: Set<String> = ["content-length", "transfer-encoding", "host"]

    static func check(_ head: HTTPRequestHead, limits: Limits) -> Result<Accepted, ProxyErrorResponse> {
        guard head.version.major == 1, head.version.minor <= 1 else {
            return .failure(.badRequest("unsupported HTTP version"))
        }
        if head.uri.utf8.count > limits.maxURIBytes { return .failure(.uriTooLong) }
        if head.headers.count > limits.maxHeaderFields {
            return .failure(.headersTooLarge("more than \(limits.maxHeaderFields) header fields"))
        }
        var headerBytes = head.uri.utf8.count
        for (name, value) in head.headers {
            let nameBytes = name.utf8.count
            if nameBytes > limits.maxHeaderNameBytes {
                return .failure(.headersTooLarge("a header name is longer than \(limits.maxHeaderNameBytes) bytes"))
            }
            headerBytes += nameBytes + value.utf8.count + 4
            guard HTTPSyntax.isToken(name.utf8) else { return .failure(.badRequest("invalid header name")) }
            guard HTTPSyntax.isFieldValue(value.utf8) else {
                return .failure(.badRequest("invalid character in a header value"))
            }
        }
        if headerBytes > limits.maxHeaderBytes { return .failure(.headersTooLarge(nil)) }
        if head.method == .CONNECT {
            return .failure(.methodNotAllowed("CONNECT is not served: this is a reverse proxy, not a forward proxy"))
        }

        let target: Target
        switch parseTarget(head.uri, method: head.method) {
        case .success(let parsed): target = parsed
        case .failure(let problem): return .failure(problem)
        }

        let hosts = head.headers["host"]
        if hosts.count > 1 { return .failure(.badRequest("more than one Host header")) }
        var host = hosts.first
        if let sent = host, !isValidHost(sent.utf8) { return .failure(.badRequest("invalid Host header")) }
        if let authority = target.authority {
            if let sent = host, sent.lowercased() != authority.lowercased() {
                return .failure(.badRequest("Host header differs from the request target's authority"))
            }
            host = authority
        }
        if host == nil, head.version.minor >= 1 { return .failure(.badRequest("missing Host header")) }

        var connectionTokens = Set<String>()
        var tokenCount = 0
        for value in head.headers["connection"] {
            for element in value.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: true) {
                let token = HTTPSyntax.trimmingOWS(element)
                if token.isEmpty { continue }
                tokenCount += 1
                if tokenCount > limits.maxConnectionTokens {
                    return .failure(.badRequest("more than \(limits.maxConnectionTokens) Connection options"))
                }
                guard HTTPSyntax.isToken(token) else { return .failure(.badRequest("invalid Connection header")) }
                let name = String(decoding: token, as: UTF8.self).lowercased()
                if protectedNames.contains(name) {
                    return .failure(.badRequest("Connection header names \(name)"))
                }
                connectionTokens.insert(name)
            }
        }

        let framing: Framing
        switch decideFraming(head) {
        case .success(let decided): framing = decided
        case .failure(let problem): return .failure(problem)
        }
        if head.method == .TRACE, framing.hasBody { return .failure(.badRequest("TRACE with a body")) }

        var headers = HTTPHeaders()
        headers.reserveCapacity(head.headers.count + 4)
        for (name, value) in head.headers {
            let lowercased = name.lowercased()
            if droppedNames.contains(lowercased) || connectionTokens.contains(lowercased) { continue }
            if lowercased == "host", let host {
                headers.add(name: name, value: host)
            } else {
                headers.add(name: name, value: value)
            }
        }
        if hosts.isEmpty, let host { headers.add(name: "Host", value: host) }
        switch framing {
        case .chunked:
            headers.add(name: "Transfer-Encoding", value: "chunked")
        case .contentLength(let length) where length > 0:
            headers.add(name: "Content-Length", value: String(length))
        case .contentLength, .none:
            if head.method.usuallyHasRequestBody { headers.add(name: "Content-Length", value: "0") }
        }
        let upstream = HTTPRequestHead(version: .http1_1, method: head.method, uri: target.upstream, headers: headers)
        return .success(Accepted(upstreamHead: upstream, host: host, framing: framing))
    }

    // MARK: Framing

    /// The body framing of a request, refusing every shape that two parsers could read differently.
    static func decideFraming(_ head: HTTPRequestHead) -> Result<Framing, ProxyErrorResponse> {
        let lengthFields = head.headers["content-length"]
        let codingFields = head.headers["transfer-encoding"]
        if !codingFields.isEmpty {
            if !lengthFields.isEmpty {
                return .failure(.badRequest("Content-Length together with Transfer-Encoding"))
            }
            // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
            if head.version.minor == 0 { return .failure(.badRequest("Transfer-Encoding in an HTTP/1.0 request")) }
            var codings: [Substring] = []
            for field in codingFields {
                for element in field.split(separator: ",") {
                    let coding = trimmingOWS(element)
                    if !coding.isEmpty { codings.append(coding) }
                }
            }
            let chunkedCount = codings.count { $0.lowercased() == "chunked" }
            if chunkedCount > 1 { return .failure(.badRequest("chunked applied more than once")) }
            guard codings.count == 1, chunkedCount == 1 else {
                return .failure(.notImplemented("only the chunked transfer coding is supported"))
            }
            return .success(.chunked)
        }
        guard !lengthFields.isEmpty else { return .success(.none) }
        var length: Int?
        for field in lengthFields {
            for element in field.split(separator: ",", omittingEmptySubsequences: false) {
                let digits = trimmingOWS(element)
                guard !digits.isEmpty, digits.utf8.count <= 18, digits.utf8.allSatisfy(HTTPSyntax.isDigit),
                    let value = Int(digits)
                else {
                    return .failure(.badRequest("invalid Content-Length"))
                }
                if let length, length != value { return .failure(.badRequest("conflicting Content-Length values")) }
                length = value
            }
        }
        return .success(.contentLength(length ?? 0))
    }

    // MARK: Request target

    /// A request target split into what goes upstream and the authority the client named, if any.
    struct Target {
        var upstream: String
        var authority: String?
    }

    /// Origin-form passes as it is; absolute-form becomes origin-form plus an authority; asterisk-form is only for
    /// OPTIONS. Anything else (a relative path, a fragment, authority-form) is refused (RFC 9112 §3.2).
    static func parseTarget(_ uri: String, method: HTTPMethod) -> Result<Target, ProxyErrorResponse> {
        let bytes = uri.utf8
        guard bytes.allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else {
            return .failure(.badRequest("invalid character in the request target"))
        }
        if bytes.contains(UInt8(ascii: "#")) { return .failure(.badRequest("fragment in the request target")) }
        if bytes.first == UInt8(ascii: "/") { return .success(Target(upstream: uri, authority: nil)) }
        if uri == "*" {
            guard method == .OPTIONS else { return .failure(.badRequest("asterisk-form target outside OPTIONS")) }
            return .success(Target(upstream: uri, authority: nil))
        }
        let lowercased = uri.lowercased()
        let schemeLength: Int
        if lowercased.hasPrefix("http://") {
            schemeLength = 7
        } else if lowercased.hasPrefix("https://") {
            schemeLength = 8
        } else {
            return .failure(.badRequest("request target must start with / or be an absolute http URI"))
        }
        let rest = uri.utf8.dropFirst(schemeLength)
        let end = rest.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? rest.endIndex
        let authority = rest[..<end]
        guard isValidHost(authority) else { return .failure(.badRequest("invalid authority in the request target")) }
        var path = String(decoding: rest[end...], as: UTF8.self)
        if !path.hasPrefix("/") { path = "/" + path }
        return .success(Target(upstream: path, authority: String(decoding: authority, as: UTF8.self)))
    }

    // MARK: Syntax

    /// The Host syntax of `HTTPSyntax`, kept here because callers and tests ask the validation for it.
    static func isValidHost<Bytes: Collection<UInt8>>(_ value: Bytes) -> Bool { HTTPSyntax.isValidHost(value) }
}

extension HTTPMethod {
    /// Methods whose requests normally carry a body: without framing they get `Content-Length: 0`.
    var usuallyHasRequestBody: Bool {
        switch self {
        case .POST, .PUT, .PATCH: true
        default: false
        }
    }
}
