import NIOCore

/// Writes the heads that leave the proxy as one buffer each, from the bytes that came in: field lines that pass are
/// copied as they arrived (name through value, one copy per line), hop-by-hop lines are dropped, and what the proxy
/// decided is appended (framing, forwarding fields, `Set-Cookie`, `Connection`). Nothing untouched is re-serialised.
enum HeadWriter {
    /// The client's persistence cookie, taken out of its `Cookie` lines.
    struct CookieRewrite {
        /// What is left of each `Cookie` line, in order; nil for a line that held only the persistence cookie.
        var remaining: [String?]
    }

    /// Who the request is forwarded for.
    struct Forwarding {
        /// `X-Forwarded-For` gets this appended, as text.
        var clientIP: String?
        /// `X-Forwarded-Proto`.
        var scheme: StaticString
    }

    /// Field kinds that describe one connection (RFC 9110 §7.6.1), plus the framing fields, which are rebuilt.
    private static func isDroppedFromRequest(_ kind: FieldKind) -> Bool {
        switch kind {
        case .contentLength, .transferEncoding, .connection, .keepAlive, .proxyConnection, .te, .trailer, .upgrade,
            .proxyAuthenticate, .proxyAuthorization, .xForwardedFor, .xForwardedProto, .xForwardedHost:
            true
        case .other, .host, .cookie, .setCookie, .expect:
            false
        }
    }

    /// The head the server gets: HTTP/1.1, origin-form, one `Host`, no hop-by-hop fields, exactly one framing field
    /// when there is a body (and `Content-Length: 0` for bodiless POST, PUT and PATCH), forwarding fields last.
    static func writeUpstreamRequest(
        _ head: RequestHead,
        cookies: CookieRewrite?,
        forwarding: Forwarding,
        upgrade: Bool = false,
        into buffer: inout ByteBuffer
    ) {
        let bytes = head.bytes
        buffer.reserveCapacity(minimumWritableBytes: bytes.readableBytes + 128)
        write(head.method, of: bytes, into: &buffer)
        buffer.writeInteger(UInt8(ascii: " "))
        if let absolute = head.absoluteForm {
            if absolute.pathNeedsLeadingSlash { buffer.writeInteger(UInt8(ascii: "/")) }
            write(absolute.path, of: bytes, into: &buffer)
        } else {
            write(head.target, of: bytes, into: &buffer)
        }
        buffer.writeStaticString(" HTTP/1.1\r\n")
        var forwardedFor: [Range<Int>] = []
        var cookieLine = 0
        var wroteHost = false
        for field in head.fields {
            switch field.kind {
            case .xForwardedFor:
                forwardedFor.append(field.value)
                continue
            case .host:
                wroteHost = true
                if let absolute = head.absoluteForm {
                    buffer.writeStaticString("Host: ")
                    write(absolute.authority, of: bytes, into: &buffer)
                    buffer.writeStaticString("\r\n")
                    continue
                }
            case .upgrade where upgrade:
                // A protocol switch crosses the proxy: its Upgrade line goes on, with `Connection: upgrade` below.
                writeLine(field, of: bytes, into: &buffer)
                continue
            case .cookie:
                if let cookies {
                    defer { cookieLine += 1 }
                    if cookieLine < cookies.remaining.count, let rest = cookies.remaining[cookieLine] {
                        buffer.writeStaticString("Cookie: ")
                        buffer.writeString(rest)
                        buffer.writeStaticString("\r\n")
                    }
                    continue
                }
            default:
                if isDroppedFromRequest(field.kind) { continue }
            }
            if head.isConnectionSpecific(field) { continue }
            writeLine(field, of: bytes, into: &buffer)
        }
        if !wroteHost, let absolute = head.absoluteForm {
            buffer.writeStaticString("Host: ")
            write(absolute.authority, of: bytes, into: &buffer)
            buffer.writeStaticString("\r\n")
        }
        switch head.framing {
        case .chunked:
            buffer.writeStaticString("Transfer-Encoding: chunked\r\n")
        case .contentLength(let length) where length > 0:
            buffer.writeStaticString("Content-Length: ")
            buffer.writeString(String(length))
            buffer.writeStaticString("\r\n")
        case .contentLength, .none, .untilClose:
            if head.knownMethod.usuallyHasBody { buffer.writeStaticString("Content-Length: 0\r\n") }
        }
        if upgrade { buffer.writeStaticString("Connection: upgrade\r\n") }
        if let clientIP = forwarding.clientIP {
            buffer.writeStaticString("X-Forwarded-For: ")
            for range in forwardedFor {
                // Several lines form one list (RFC 9110 §5.3): keep every hop, in order.
                write(range, of: bytes, into: &buffer)
                buffer.writeStaticString(", ")
            }
            buffer.writeString(clientIP)
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString("X-Forwarded-Proto: ")
        buffer.writeStaticString(forwarding.scheme)
        buffer.writeStaticString("\r\n")
        if let host = head.host {
            buffer.writeStaticString("X-Forwarded-Host: ")
            write(host, of: bytes, into: &buffer)
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString("\r\n")
    }

    /// How the client connection continues after a response, as the response must say it.
    enum ConnectionField {
        /// Nothing to say: HTTP/1.1 keep-alive is the default.
        case none
        case close
        /// An HTTP/1.0 client kept alive must be told.
        case keepAlive
    }

    /// The head the client gets: the server's status line in the client's version, the server's fields without the
    /// hop-by-hop ones, then `Set-Cookie` and `Connection` when needed. `dropTransferEncoding` is for a chunked
    /// body decoded for an HTTP/1.0 client, which is then delimited by the close.
    static func writeClientResponse(
        _ head: ResponseHead,
        clientMinorVersion: Int,
        setCookie: String?,
        connection: ConnectionField,
        dropTransferEncoding: Bool,
        keepsUpgrade: Bool = false,
        into buffer: inout ByteBuffer
    ) {
        let bytes = head.bytes
        buffer.reserveCapacity(minimumWritableBytes: bytes.readableBytes + 64)
        buffer.writeStaticString(clientMinorVersion == 0 ? "HTTP/1.0" : "HTTP/1.1")
        // The status line was validated as "HTTP/1.x SSS" (12 bytes), then " reason" up to its line end.
        write(8..<statusLineEnd(of: bytes), of: bytes, into: &buffer)
        buffer.writeStaticString("\r\n")
        for field in head.fields {
            switch field.kind {
            case .connection where keepsUpgrade, .upgrade where keepsUpgrade:
                // The 101 that switches protocols tells the client what it switched to.
                writeLine(field, of: bytes, into: &buffer)
            case .connection, .keepAlive, .proxyConnection, .te, .trailer, .upgrade, .proxyAuthenticate,
                .proxyAuthorization:
                continue
            case .transferEncoding where dropTransferEncoding:
                continue
            default:
                if head.isConnectionSpecific(field) { continue }
                writeLine(field, of: bytes, into: &buffer)
            }
        }
        if let setCookie {
            buffer.writeStaticString("Set-Cookie: ")
            buffer.writeString(setCookie)
            buffer.writeStaticString("\r\n")
        }
        switch connection {
        case .none: break
        case .close: buffer.writeStaticString("Connection: close\r\n")
        case .keepAlive: buffer.writeStaticString("Connection: keep-alive\r\n")
        }
        buffer.writeStaticString("\r\n")
    }

    /// An interim response (100 Continue, 103 Early Hints) for an HTTP/1.1 client, without hop-by-hop fields.
    static func writeInterimResponse(_ head: ResponseHead, into buffer: inout ByteBuffer) {
        writeClientResponse(
            head,
            clientMinorVersion: 1,
            setCookie: nil,
            connection: .none,
            dropTransferEncoding: false,
            into: &buffer
        )
    }

    // MARK: Bytes

    private static func write(_ range: Range<Int>, of bytes: ByteBuffer, into buffer: inout ByteBuffer) {
        let start = bytes.readerIndex + range.lowerBound
        buffer.writeImmutableBuffer(bytes.getSlice(at: start, length: range.count)!)
    }

    /// `name: value` and CRLF, copied in one piece from the name to the end of the value.
    private static func writeLine(_ field: HeaderField, of bytes: ByteBuffer, into buffer: inout ByteBuffer) {
        let end = max(field.value.upperBound, field.name.upperBound + 1)
        write(field.name.lowerBound..<end, of: bytes, into: &buffer)
        buffer.writeStaticString("\r\n")
    }

    /// Where the CR that ends the status line is.
    private static func statusLineEnd(of bytes: ByteBuffer) -> Int {
        bytes.readableBytesView.firstIndex(of: UInt8(ascii: "\r")).map { $0 - bytes.readerIndex } ?? bytes.readableBytes
    }
}

extension RequestHead.KnownMethod {
    /// Methods whose requests normally carry a body: without one they get `Content-Length: 0`.
    var usuallyHasBody: Bool {
        switch self {
        case .post, .put, .patch: true
        case .get, .head, .delete, .options, .trace, .connect, .other: false
        }
    }
}

extension RequestHead {
    /// Whether the client asks to switch protocols (`Connection: upgrade` with `Upgrade:`), to anything but h2c:
    /// Tandem speaks HTTP/1.1 to servers, so an h2c request is served as plain HTTP/1.1 instead.
    var upgradeRequested: Bool {
        guard let upgrade = fields.first(where: { $0.kind == .upgrade }) else { return false }
        return bytes.withUnsafeReadableBytes { raw in
            connectionOptions.contains { HTTPSyntax.equalsIgnoringCase(raw[$0], "upgrade") }
                && !HTTPSyntax.equalsIgnoringCase(raw[upgrade.value], "h2c")
        }
    }

    /// The target the server gets, as text (for routing and `uri_hash`, not per field).
    var originTarget: String {
        guard let absolute = absoluteForm else { return string(target) }
        return (absolute.pathNeedsLeadingSlash ? "/" : "") + string(absolute.path)
    }
}
