import NIOCore
import NIOHPACK

/// Writes one HTTP/2 request stream as the HTTP/1.1 bytes the layer-7 engine parses, so that an h2 request meets
/// exactly the checks, routing and rewriting of an HTTP/1.1 one (`RequestHeadParser` and `HeadWriter` see it as if a
/// client had sent it).
///
/// NIOHTTP2's header validation has already refused uppercase or invalid names, pseudo-headers after regular ones,
/// connection-specific fields and CR, LF or NUL in any value. What is mapped here (RFC 9113 §8.3.1, §8.2.3):
/// `:method :path HTTP/1.1` as the request line; `:authority` becomes `Host`, and a `host` field that differs from
/// it is passed on as a second `Host`, which the engine refuses (400); `cookie` fields are joined with `; `; the
/// body keeps the client's `content-length`, and is chunked otherwise, with trailers as chunked trailers.
/// `Connection: close` ends the head: a stream carries one exchange, and the engine closes the stream after it.
enum HTTP2RequestWriter {
    /// How the body after the head is delimited for the engine.
    enum BodyFraming: Equatable {
        /// No body: the client ended the stream with its HEADERS and sent no `content-length`.
        case none
        /// The client's `content-length`; DATA passes through as it is.
        case contentLength
        /// Each DATA frame becomes one chunk; the end of the stream the last chunk.
        case chunked
    }

    struct Malformed: Error, Equatable {
        var reason: String
    }

    /// Writes the request head for the HEADERS that opened the stream (`endStream` when they also ended it).
    static func writeHead(
        _ headers: HPACKHeaders,
        endStream: Bool,
        into buffer: inout ByteBuffer
    ) -> Result<BodyFraming, Malformed> {
        var method: String?
        var path: String?
        var authority: String?
        for (name, value, _) in headers where name.utf8.first == UInt8(ascii: ":") {
            guard isPseudoValue(value) else { return .failure(Malformed(reason: "invalid \(name)")) }
            switch name {
            case ":method": method = value
            case ":path": path = value
            case ":authority": authority = value
            case ":scheme": break
            default: return .failure(Malformed(reason: "unsupported pseudo-header \(name)"))
            }
        }
        guard let method else { return .failure(Malformed(reason: "no :method")) }
        // CONNECT has no :path (RFC 9113 §8.5): its authority is the target, which the engine refuses (405).
        guard let target = path ?? (method == "CONNECT" ? authority : nil) else {
            return .failure(Malformed(reason: "no :path"))
        }
        buffer.writeString(method)
        buffer.writeStaticString(" ")
        buffer.writeString(target)
        buffer.writeStaticString(" HTTP/1.1\r\n")
        if let authority {
            writeField("host", authority, into: &buffer)
        }
        var cookies: [String] = []
        var hasLength = false
        for (name, value, _) in headers where name.utf8.first != UInt8(ascii: ":") {
            guard isFieldValue(value) else { return .failure(Malformed(reason: "invalid value of \(name)")) }
            switch name {
            case "host":
                // The same authority twice says nothing new; a different one is passed on to be refused.
                if let authority, equalsIgnoringCase(authority, value) { continue }
            case "cookie":
                cookies.append(value)
                continue
            case "te":
                // Only `te: trailers` gets past NIOHTTP2, and it describes this hop alone.
                continue
            case "content-length":
                hasLength = true
            default:
                break
            }
            writeField(name, value, into: &buffer)
        }
        if !cookies.isEmpty {
            writeField("cookie", cookies.joined(separator: "; "), into: &buffer)
        }
        let framing: BodyFraming
        if hasLength {
            framing = .contentLength
        } else if endStream {
            framing = .none
        } else {
            buffer.writeStaticString("transfer-encoding: chunked\r\n")
            framing = .chunked
        }
        buffer.writeStaticString("connection: close\r\n\r\n")
        return .success(framing)
    }

    /// Writes one DATA frame's bytes as the body delimited by `framing` (nothing for an empty frame that does not
    /// end the stream: an empty chunk would end a chunked body).
    static func writeData(_ data: ByteBuffer, framing: BodyFraming, endStream: Bool, into buffer: inout ByteBuffer) {
        var data = data
        switch framing {
        case .none, .contentLength:
            buffer.writeBuffer(&data)
        case .chunked:
            if data.readableBytes > 0 {
                buffer.writeString(String(data.readableBytes, radix: 16))
                buffer.writeStaticString("\r\n")
                buffer.writeBuffer(&data)
                buffer.writeStaticString("\r\n")
            }
            if endStream { buffer.writeStaticString("0\r\n\r\n") }
        }
    }

    /// Writes the trailers that ended the stream: chunked trailers, or nothing when the body had a length (the
    /// body ends with its last byte there, and HTTP/1.1 has no place for them).
    static func writeTrailers(
        _ trailers: HPACKHeaders,
        framing: BodyFraming,
        into buffer: inout ByteBuffer
    ) -> Result<Void, Malformed> {
        guard framing == .chunked else { return .success(()) }
        buffer.writeStaticString("0\r\n")
        for (name, value, _) in trailers {
            guard isFieldValue(value) else { return .failure(Malformed(reason: "invalid value of trailer \(name)")) }
            writeField(name, value, into: &buffer)
        }
        buffer.writeStaticString("\r\n")
        return .success(())
    }

    private static func writeField(_ name: String, _ value: String, into buffer: inout ByteBuffer) {
        buffer.writeString(name)
        buffer.writeStaticString(": ")
        buffer.writeString(value)
        buffer.writeStaticString("\r\n")
    }

    /// A pseudo-header value goes into the request line: no whitespace or control byte may split it.
    private static func isPseudoValue(_ value: String) -> Bool {
        !value.utf8.isEmpty && value.utf8.allSatisfy { $0 > 0x20 && $0 != 0x7F }
    }

    /// A second line of defence behind NIOHTTP2's check: CR, LF and NUL would split the HTTP/1.1 head.
    private static func isFieldValue(_ value: String) -> Bool {
        !value.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }
    }

    private static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
        func lower(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte | 0x20 : byte }
        return a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).allSatisfy { lower($0) == lower($1) }
    }
}
