import NIOCore
import NIOHPACK

/// Reads the HTTP/1.1 response bytes the engine writes for one stream back into HTTP/2 parts: HEADERS (interim
/// ones, then the final one), DATA, trailers.
///
/// The head is parsed with the engine's own strict `ResponseHeadParser` (the same checks a server's response
/// passed); connection-specific fields are dropped (RFC 9113 §8.2.2: `Connection` and what it names,
/// `Keep-Alive`, `Proxy-Connection`, `Transfer-Encoding`, `Upgrade`). The body is delimited by a `BodyFramer`;
/// chunked framing (already validated by the server side's framer) is decoded here, its trailers become a
/// trailing HEADERS. A body delimited by the close ends when the engine closes the stream (``finish()``).
struct HTTP2ResponseReader {
    enum Part: Equatable {
        case head(HPACKHeaders, endStream: Bool)
        case data(ByteBuffer, endStream: Bool)
        case trailers(HPACKHeaders)
    }

    struct Invalid: Error, Equatable {
        var reason: String
    }

    private enum Chunk: Equatable {
        case size(Int)
        case sizeLine(Int)
        case data(remaining: Int)
        case dataEnd
        case trailers
    }

    private enum State {
        case head(scanned: Int)
        case body(BodyFramer)
        case chunked(Chunk)
        case done
        case failed(String)
    }

    private let requestWasHEAD: Bool
    private var state = State.head(scanned: 0)
    /// Bytes received and not yet read into parts.
    private var pending: ByteBuffer?
    private var trailerFields = HPACKHeaders()
    private var trailerBytes = 0

    init(requestWasHEAD: Bool) {
        self.requestWasHEAD = requestWasHEAD
    }

    /// Whether the response's last part has been read.
    var isComplete: Bool {
        if case .done = state { return true }
        return false
    }

    /// Whether the body runs until the stream is closed (no length, not chunked).
    var endsAtClose: Bool {
        if case .body(let framer) = state { return !framer.isComplete && framerIsUntilClose }
        return false
    }
    private var framerIsUntilClose = false

    /// Reads what `bytes` completes; parts come out in order. Bytes after the response's end are an error.
    mutating func read(_ bytes: ByteBuffer) -> Result<[Part], Invalid> {
        if pending == nil || pending!.readableBytes == 0 {
            pending = bytes
        } else {
            var bytes = bytes
            pending!.writeBuffer(&bytes)
        }
        var parts: [Part] = []
        while var buffer = pending, buffer.readableBytes > 0 {
            pending = nil
            defer { pending = buffer }
            switch state {
            case .failed(let reason):
                return .failure(Invalid(reason: reason))
            case .done:
                return fail("bytes after the end of the response")
            case .head(let scanned):
                switch ResponseHeadParser.scan(buffer, from: scanned, maxBytes: 1 << 20) {
                case .incomplete(let scanned):
                    state = .head(scanned: scanned)
                    return .success(parts)
                case .invalid(let error):
                    return fail(error.reason)
                case .complete(let length):
                    switch ResponseHeadParser.parse(buffer, length: length, requestWasHEAD: requestWasHEAD) {
                    case .failure(let error):
                        return fail(error.reason)
                    case .success(let head):
                        buffer.moveReaderIndex(forwardBy: length)
                        let headers = Self.headers(of: head)
                        if head.isInformational {
                            parts.append(.head(headers, endStream: false))
                            state = .head(scanned: 0)
                            continue
                        }
                        switch head.framing {
                        case .none, .contentLength(0):
                            parts.append(.head(headers, endStream: true))
                            state = .done
                        case .chunked:
                            parts.append(.head(headers, endStream: false))
                            state = .chunked(.size(0))
                        case .contentLength, .untilClose:
                            framerIsUntilClose = head.framing == .untilClose
                            parts.append(.head(headers, endStream: false))
                            state = .body(BodyFramer(head.framing))
                        }
                    }
                }
            case .body(var framer):
                let step = framer.next(&buffer)
                state = .body(framer)
                switch step {
                case .needMore:
                    return .success(parts)
                case .invalid(let reason):
                    return fail(reason)
                case .forward(let data, let ended):
                    parts.append(.data(data, endStream: ended))
                    if ended { state = .done }
                }
            case .chunked(let chunk):
                switch readChunked(chunk, &buffer, into: &parts) {
                case .success(let needMore): if needMore { return .success(parts) }
                case .failure(let error): return .failure(error)
                }
            }
        }
        return .success(parts)
    }

    /// The engine closed the stream: a body delimited by the close ends here. Returns the last part, if any.
    mutating func finish() -> Part? {
        guard endsAtClose else { return nil }
        state = .done
        return .data(ByteBuffer(), endStream: true)
    }

    private mutating func fail(_ reason: String) -> Result<[Part], Invalid> {
        state = .failed(reason)
        return .failure(Invalid(reason: reason))
    }

    /// Decodes chunked framing from the front of `buffer`; answers true when it stopped for more bytes (an
    /// incomplete trailer line stays in the buffer).
    private mutating func readChunked(
        _ start: Chunk,
        _ buffer: inout ByteBuffer,
        into parts: inout [Part]
    ) -> Result<Bool, Invalid> {
        var chunk = start
        defer { if case .chunked = state { state = .chunked(chunk) } }
        while buffer.readableBytes > 0 {
            switch chunk {
            case .size(let size):
                let byte = buffer.readInteger(as: UInt8.self)!
                if let digit = Self.hexValue(byte) {
                    guard size < (1 << 56) else { return invalid("chunk size too large") }
                    chunk = .size(size << 4 | digit)
                } else {
                    // An extension or the CR: skip to the end of the line (validated by the server side's framer).
                    chunk = .sizeLine(size)
                    if byte == HTTPSyntax.lf { chunk = size == 0 ? .trailers : .data(remaining: size) }
                }
            case .sizeLine(let size):
                guard let lf = buffer.readableBytesView.firstIndex(of: HTTPSyntax.lf) else {
                    buffer.moveReaderIndex(to: buffer.writerIndex)
                    return .success(true)
                }
                buffer.moveReaderIndex(to: lf + 1)
                chunk = size == 0 ? .trailers : .data(remaining: size)
            case .data(let remaining):
                let taken = min(remaining, buffer.readableBytes)
                parts.append(.data(buffer.readSlice(length: taken)!, endStream: false))
                chunk = taken == remaining ? .dataEnd : .data(remaining: remaining - taken)
            case .dataEnd:
                guard let lf = buffer.readableBytesView.firstIndex(of: HTTPSyntax.lf) else {
                    buffer.moveReaderIndex(to: buffer.writerIndex)
                    return .success(true)
                }
                buffer.moveReaderIndex(to: lf + 1)
                chunk = .size(0)
            case .trailers:
                let view = buffer.readableBytesView
                guard let lf = view.firstIndex(of: HTTPSyntax.lf) else {
                    let tooLong = trailerBytes + buffer.readableBytes > BodyFramer.maxTrailerBytes
                    return tooLong ? invalid("trailer section too long") : .success(true)
                }
                let line = buffer.readSlice(length: lf + 1 - buffer.readerIndex)!
                trailerBytes += line.readableBytes
                guard trailerBytes <= BodyFramer.maxTrailerBytes else { return invalid("trailer section too long") }
                if line.readableBytes <= 2 {
                    if trailerFields.isEmpty {
                        parts.append(.data(ByteBuffer(), endStream: true))
                    } else {
                        parts.append(.trailers(trailerFields))
                    }
                    state = .done
                    return buffer.readableBytes == 0 ? .success(true) : invalid("bytes after the end of the response")
                }
                guard let field = Self.trailerField(line) else { return invalid("invalid trailer field") }
                if !Self.isConnectionSpecific(field.name) { trailerFields.add(name: field.name, value: field.value) }
            }
        }
        return .success(true)
    }

    private mutating func invalid(_ reason: String) -> Result<Bool, Invalid> {
        state = .failed(reason)
        return .failure(Invalid(reason: reason))
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// A trailer line `name: value CRLF`, the name lower-cased for HTTP/2 and the value trimmed.
    private static func trailerField(_ line: ByteBuffer) -> (name: String, value: String)? {
        let bytes = Array(line.readableBytesView)
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { return nil }
        let name = String(decoding: bytes[..<colon].map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }, as: UTF8.self)
        var value = bytes[(colon + 1)...].prefix { $0 != HTTPSyntax.cr && $0 != HTTPSyntax.lf }
        while let first = value.first, first == HTTPSyntax.space || first == HTTPSyntax.tab {
            value = value.dropFirst()
        }
        while let last = value.last, last == HTTPSyntax.space || last == HTTPSyntax.tab { value = value.dropLast() }
        return (name, String(decoding: value, as: UTF8.self))
    }

    private static func isConnectionSpecific(_ name: String) -> Bool {
        switch name {
        case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer": true
        default: false
        }
    }

    /// The HEADERS of a parsed response head: `:status`, then every field that is not connection-specific, its
    /// name lower-cased (RFC 9113 §8.2.1).
    static func headers(of head: ResponseHead) -> HPACKHeaders {
        var headers = HPACKHeaders()
        headers.reserveCapacity(head.fields.count + 1)
        headers.add(name: ":status", value: String(head.status))
        for field in head.fields {
            switch field.kind {
            case .connection, .keepAlive, .proxyConnection, .transferEncoding, .upgrade, .te, .trailer:
                continue
            default:
                if head.isConnectionSpecific(field) { continue }
            }
            let name = head.bytes.withUnsafeReadableBytes { raw in
                let source = UnsafeRawBufferPointer(rebasing: raw[field.name])
                return String(unsafeUninitializedCapacity: source.count) { name in
                    for (index, byte) in source.enumerated() {
                        name[index] = (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
                    }
                    return source.count
                }
            }
            headers.add(name: name, value: head.string(field.value))
        }
        return headers
    }
}
