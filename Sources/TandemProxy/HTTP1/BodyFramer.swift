import NIOCore

/// Delimits one message body in a byte stream and hands on the bytes exactly as they arrived (chunk framing and
/// trailers included), validating chunked framing chunk by chunk, so a malformed body is refused before its bytes
/// are forwarded.
///
/// Chunked framing (RFC 9112 §7.1), at least as strict as llhttp: a size of 1 to 16 hex digits (no whitespace
/// after it), extensions `;name[=token|quoted-string]` with no whitespace, no bare CR, LF or NUL; CRLF after the
/// size line and after each chunk's data; a last chunk of size 0; trailer field lines as strict as header lines
/// (token name, colon, ASCII value); the final CRLF. A size line may be at most `maxSizeLineBytes` long and the
/// trailer section `maxTrailerBytes`, so trickling either byte by byte costs linear work and bounded memory.
///
/// The state is a byte-level machine that resumes where it stopped: bytes of an incomplete line stay at the front
/// of the caller's buffer (`pending` counts those already checked), and are never read twice.
struct BodyFramer: Sendable {
    enum Step: Equatable {
        /// Body bytes taken from the front of the buffer (possibly empty); `ended` when the last one was included.
        case forward(ByteBuffer, ended: Bool)
        /// Nothing usable yet: the bytes in the buffer (if any) are an incomplete line, kept there.
        case needMore
        /// Malformed framing, with a reason for the log. The stream cannot be trusted past this point.
        case invalid(String)
    }

    static let maxSizeLineBytes = 4096
    static let maxTrailerBytes = 65536

    private enum Chunked: Equatable {
        case size
        case extensionStart
        case extensionName
        case extensionValueStart
        case extensionToken
        case quoted
        case quotedPair
        case afterQuoted
        case sizeLF
        case data
        case dataCR
        case dataLF
        case trailerLineStart
        case trailerName
        case trailerValue
        case trailerLF
        case finalLF
        case done
    }

    private enum State: Equatable {
        case none
        case contentLength(remaining: Int)
        case untilClose
        case chunked(Chunked)
        case complete
        /// Refused: every later call refuses again.
        case failed(String)
    }

    private var state: State
    private let decodeChunked: Bool
    /// Bytes at the front of the buffer already run through the machine but not yet handed on (an incomplete
    /// size line, CRLF or trailer line).
    private var pending = 0
    private var sizeDigits = 0
    private var chunkSize = 0
    private var remaining = 0
    private var lineBytes = 0
    private var trailerBytes = 0

    init(_ framing: BodyFraming) {
        self.init(framing, decodeChunked: false)
    }

    /// For an HTTP/1.0 client that cannot take chunked: with `decodeChunked` the framer returns only chunk data
    /// (no sizes, no extensions, no trailers). Data of several chunks cannot be one slice, so each `next` returns
    /// at most one chunk's data and the caller calls again while the buffer holds bytes; framing bytes are
    /// consumed from the buffer as they are checked, even when `next` then answers `.needMore`.
    init(_ framing: BodyFraming, decodeChunked: Bool) {
        switch framing {
        case .none: state = .none
        case .contentLength(let length): state = .contentLength(remaining: length)
        case .chunked: state = .chunked(.size)
        case .untilClose: state = .untilClose
        }
        self.decodeChunked = decodeChunked
    }

    /// Whether the body's last byte was handed on.
    var isComplete: Bool { state == .complete }

    /// Takes from the front of `buffer` the bytes that belong to this body, as one slice (`readSlice`, no copy);
    /// bytes after the body's end stay in `buffer` (the next message). `.untilClose` never ends by itself: the
    /// caller ends it at EOF. After the end, every call forwards an empty, ended slice.
    mutating func next(_ buffer: inout ByteBuffer) -> Step {
        switch state {
        case .none, .complete:
            state = .complete
            return .forward(buffer.readSlice(length: 0)!, ended: true)
        case .contentLength(let remaining):
            if remaining == 0 {
                state = .complete
                return .forward(buffer.readSlice(length: 0)!, ended: true)
            }
            guard buffer.readableBytes > 0 else { return .needMore }
            let taken = min(remaining, buffer.readableBytes)
            let slice = buffer.readSlice(length: taken)!
            state = taken == remaining ? .complete : .contentLength(remaining: remaining - taken)
            return .forward(slice, ended: taken == remaining)
        case .untilClose:
            guard buffer.readableBytes > 0 else { return .needMore }
            return .forward(buffer.readSlice(length: buffer.readableBytes)!, ended: false)
        case .chunked(let chunked):
            return nextChunked(&buffer, from: chunked)
        case .failed(let reason):
            return .invalid(reason)
        }
    }

    // MARK: Chunked

    /// What one run of the machine over the readable bytes found.
    private enum Run {
        /// Checked through `scanned`; everything before `committed` may be handed on, the rest is an incomplete
        /// line that stays in the buffer.
        case stopped(committed: Int, scanned: Int)
        /// Decoding only: `framing` bytes of checked framing, then `length` bytes of chunk data.
        case data(framing: Int, length: Int)
        case invalid(String)
    }

    private mutating func nextChunked(_ buffer: inout ByteBuffer, from start: Chunked) -> Step {
        var machine = start
        let run = buffer.withUnsafeReadableBytes { bytes in advance(&machine, over: bytes) }
        switch run {
        case .invalid(let reason):
            state = .failed(reason)
            return .invalid(reason)
        case .data(let framing, let length):
            buffer.moveReaderIndex(forwardBy: framing)
            pending = 0
            state = .chunked(machine)
            return .forward(buffer.readSlice(length: length)!, ended: false)
        case .stopped(let committed, let scanned):
            pending = scanned - committed
            let ended = machine == .done
            state = ended ? .complete : .chunked(machine)
            if decodeChunked {
                buffer.moveReaderIndex(forwardBy: committed)
                return ended ? .forward(buffer.readSlice(length: 0)!, ended: true) : .needMore
            }
            guard committed > 0 || ended else { return .needMore }
            return .forward(buffer.readSlice(length: committed)!, ended: ended)
        }
    }

    /// Runs the chunked machine over `bytes` from `pending`, stopping at the end of the bytes, at the body's end,
    /// or (decoding) at the first data.
    private mutating func advance(_ machine: inout Chunked, over bytes: UnsafeRawBufferPointer) -> Run {
        var index = pending
        var committed = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch machine {
            case .size:
                if HTTPSyntax.isHexDigit(byte) {
                    sizeDigits += 1
                    if sizeDigits > 16 { return .invalid("chunk size longer than 16 hex digits") }
                    let (shifted, overflow) = chunkSize.multipliedReportingOverflow(by: 16)
                    if overflow { return .invalid("chunk size overflows") }
                    chunkSize = shifted + Int(HTTPSyntax.hexValue(byte))
                } else if sizeDigits == 0 {
                    return .invalid("invalid chunk size")
                } else if byte == UInt8(ascii: ";") {
                    machine = .extensionStart
                } else if byte == HTTPSyntax.cr {
                    machine = .sizeLF
                } else {
                    return .invalid("invalid character after the chunk size")
                }
            case .extensionStart, .extensionValueStart:
                if HTTPSyntax.isTokenByte(byte) {
                    machine = machine == .extensionStart ? .extensionName : .extensionToken
                } else if machine == .extensionValueStart, byte == UInt8(ascii: "\"") {
                    machine = .quoted
                } else {
                    return .invalid("invalid chunk extension")
                }
            case .extensionName, .extensionToken, .afterQuoted:
                if machine != .afterQuoted, HTTPSyntax.isTokenByte(byte) {
                    break
                } else if machine == .extensionName, byte == UInt8(ascii: "=") {
                    machine = .extensionValueStart
                } else if byte == UInt8(ascii: ";") {
                    machine = .extensionStart
                } else if byte == HTTPSyntax.cr {
                    machine = .sizeLF
                } else {
                    return .invalid("invalid chunk extension")
                }
            case .quoted:
                if byte == UInt8(ascii: "\"") {
                    machine = .afterQuoted
                } else if byte == UInt8(ascii: "\\") {
                    machine = .quotedPair
                } else if !HTTPSyntax.isASCIIFieldValueByte(byte) {
                    return .invalid("invalid character in a quoted chunk extension")
                }
            case .quotedPair:
                guard HTTPSyntax.isASCIIFieldValueByte(byte) else {
                    return .invalid("invalid character in a quoted chunk extension")
                }
                machine = .quoted
            case .sizeLF:
                guard byte == HTTPSyntax.lf else { return .invalid("bare CR in a chunk size line") }
                remaining = chunkSize
                machine = chunkSize == 0 ? .trailerLineStart : .data
                sizeDigits = 0
                chunkSize = 0
                lineBytes = 0
                committed = index + 1
                if machine == .data, decodeChunked {
                    let length = min(remaining, bytes.count - committed)
                    if length > 0 {
                        remaining -= length
                        if remaining == 0 { machine = .dataCR }
                        return .data(framing: committed, length: length)
                    }
                }
            case .data:
                let length = min(remaining, bytes.count - index)
                if decodeChunked {
                    remaining -= length
                    if remaining == 0 { machine = .dataCR }
                    return .data(framing: index, length: length)
                }
                remaining -= length
                index += length
                committed = index
                if remaining == 0 { machine = .dataCR }
                continue
            case .dataCR:
                guard byte == HTTPSyntax.cr else { return .invalid("chunk data not followed by CRLF") }
                machine = .dataLF
            case .dataLF:
                guard byte == HTTPSyntax.lf else { return .invalid("chunk data not followed by CRLF") }
                machine = .size
                committed = index + 1
            case .trailerLineStart:
                if byte == HTTPSyntax.cr {
                    machine = .finalLF
                } else if HTTPSyntax.isTokenByte(byte) {
                    machine = .trailerName
                } else {
                    return .invalid("invalid trailer field")
                }
            case .trailerName:
                if byte == HTTPSyntax.colon {
                    machine = .trailerValue
                } else if !HTTPSyntax.isTokenByte(byte) {
                    return .invalid("invalid trailer field name")
                }
            case .trailerValue:
                if byte == HTTPSyntax.cr {
                    machine = .trailerLF
                } else if !HTTPSyntax.isASCIIFieldValueByte(byte) {
                    return .invalid("invalid character in a trailer field")
                }
            case .trailerLF:
                guard byte == HTTPSyntax.lf else { return .invalid("bare CR in a trailer field") }
                machine = .trailerLineStart
                committed = index + 1
            case .finalLF:
                guard byte == HTTPSyntax.lf else { return .invalid("bare CR at the end of the chunked body") }
                machine = .done
                return .stopped(committed: index + 1, scanned: index + 1)
            case .done:
                preconditionFailure("the chunked machine runs no further after its end")
            }
            switch machine {
            case .size, .extensionStart, .extensionName, .extensionValueStart, .extensionToken, .quoted, .quotedPair,
                .afterQuoted, .sizeLF:
                lineBytes += 1
                if lineBytes > Self.maxSizeLineBytes { return .invalid("chunk size line too long") }
            case .trailerLineStart, .trailerName, .trailerValue, .trailerLF, .finalLF:
                trailerBytes += 1
                if trailerBytes > Self.maxTrailerBytes { return .invalid("trailer section too long") }
            case .data, .dataCR, .dataLF, .done:
                break
            }
            index += 1
        }
        return .stopped(committed: committed, scanned: index)
    }
}
