import NIOCore
import TandemConfig

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes access log lines as bytes straight into the log's buffer: no `String` per line, the date of the current
/// second formatted once per second.
///
/// **Text** (`format: text`), one line per request or tunnel, fields separated by one space:
///
///     2026-11-23T18:03:23.123Z 192.0.2.7:50312 web app/be1 "GET /index.html HTTP/1.1" 200 1843 512 0/0/1/2/3 0 --
///
/// 1. when the head's first byte arrived (a tunnel: the accept), UTC, milliseconds;
/// 2. the client's address and port (`[v6]:port`; the balancer's PROXY header's when the frontend accepts one);
/// 3. the frontend;
/// 4. backend/server (`-` for what was never chosen: `app/-` when no server was, `-/-` for a refused head);
/// 5. the request in quotes: method, target, version (`HTTP/2.0` for an h2 stream, whose head the engine parsed
///    as HTTP/1.1); a refused or unfinished head's first line as received;
///    `"-"` for a `mode: tcp` tunnel. At most 1024 bytes of the target or line are kept;
/// 6. the status sent to the client (`-1` when none was);
/// 7. bytes sent to the client; 8. bytes received from the client (heads and bodies as framed on the wire);
/// 9. `TR/Tw/Tc/Tr/Ta` in milliseconds, `-1` for a phase never reached (``AccessLogRecord``);
/// 10. retries: attempts on other servers after a failure;
/// 11. the termination, two letters (``AccessLogRecord/Cause``, ``AccessLogRecord/Phase``): `--` completed;
/// 12. only when it did not complete, why, in quotes: `"bare LF in the request head"`, `"connect: ..."`.
///
/// Inside quotes `"` and `\` are escaped with `\`, and bytes outside printable ASCII are written `\xHH`, so a
/// hostile target cannot forge a line or a field.
///
/// **JSON** (`format: json`): one object per line, always these keys in this order, `null` where the text has
/// `-` or `-1`:
///
///     {"time":"2026-11-23T18:03:23.123Z","client_ip":"192.0.2.7","client_port":50312,"frontend":"web",
///     "backend":"app","server":"be1","method":"GET","target":"/index.html","version":"HTTP/1.1","status":200,
///     "bytes_out":1843,"bytes_in":512,"head_ms":0,"queue_ms":0,"connect_ms":1,"response_ms":2,"total_ms":3,
///     "retries":0,"termination":"--","detail":null}
///
/// (on one line), plus `"received"`, the first line as received, last and only for a refused or unfinished head.
/// Strings escape `"`, `\` and control characters; a byte outside ASCII is written `\u00HH` (its value as a code
/// point), so every line is valid UTF-8 whatever the client sent.
struct AccessLogFormatter {
    let format: AccessLogSettings.Format
    let frontend: String
    /// The most bytes kept of a target or of a refused request line, as HAProxy's default `tune.http.logurilen`.
    static let maxTargetBytes = 1024
    static let maxDetailBytes = 512
    /// No line is longer (fields are capped, names are at most 63 safe characters): the room a buffer keeps free.
    static let maxLineBytes = 16 * 1024

    private var cachedSecond = Int64.min
    private var cachedDate: [UInt8] = []

    init(format: AccessLogSettings.Format, frontend: String) {
        self.format = format
        self.frontend = frontend
    }

    /// Appends `record`'s line (with its newline) to `out`; `startedAt` is the wall-clock instant of
    /// `record.started`, in milliseconds since 1970.
    mutating func append(_ record: AccessLogRecord, startedAt: Int64, to out: inout AccessLogLineWriter) {
        switch format {
        case .text: appendText(record, startedAt: startedAt, to: &out)
        case .json: appendJSON(record, startedAt: startedAt, to: &out)
        }
        out.append(Byte.newline)
    }

    // MARK: Text

    private mutating func appendText(_ record: AccessLogRecord, startedAt: Int64, to out: inout AccessLogLineWriter) {
        appendTime(startedAt, to: &out)
        out.append(Byte.space)
        if let ip = record.clientIP {
            let isV6 = ip.utf8.contains(Byte.colon)
            if isV6 { out.append(Byte.openBracket) }
            out.append(ip)
            if isV6 { out.append(Byte.closeBracket) }
            out.append(Byte.colon)
            Self.appendDecimal(record.clientPort ?? 0, to: &out)
        } else {
            out.append(Byte.dash)
        }
        out.append(Byte.space)
        out.append(frontend)
        out.append(Byte.space)
        if let backend = record.backend {
            out.append(backend.name)
            out.append(Byte.slash)
            if let server = record.server {
                out.append(backend.servers[server].name)
            } else {
                out.append(Byte.dash)
            }
        } else {
            out.append(Byte.dash)
            out.append(Byte.slash)
            out.append(Byte.dash)
        }
        out.append(Byte.space)
        out.append(Byte.quote)
        switch record.request {
        case .none:
            out.append(Byte.dash)
        case .parsed(let bytes, let method, let target, let minorVersion):
            bytes.withUnsafeReadableBytes { raw in
                Self.appendEscaped(UnsafeRawBufferPointer(rebasing: raw[method]), json: false, to: &out)
                out.append(Byte.space)
                let kept = target.lowerBound..<min(target.upperBound, target.lowerBound + Self.maxTargetBytes)
                Self.appendEscaped(UnsafeRawBufferPointer(rebasing: raw[kept]), json: false, to: &out)
            }
            out.append(record.http2 ? Self.http2Text : minorVersion == 0 ? Self.http10Text : Self.http11Text)
        case .received(let bytes):
            bytes.withUnsafeReadableBytes { raw in
                var shown = raw.prefix(Self.maxTargetBytes)
                // A refused h2 stream's line is the one the adapter wrote: its version is the client's.
                let rewritesVersion =
                    record.http2 && shown.count == raw.count
                    && raw.suffix(Self.http11Text.count).elementsEqual(Self.http11Text)
                if rewritesVersion { shown = shown.dropLast(Self.http11Text.count) }
                Self.appendEscaped(UnsafeRawBufferPointer(rebasing: shown), json: false, to: &out)
                if rewritesVersion { out.append(Self.http2Text) }
            }
        }
        out.append(Byte.quote)
        out.append(Byte.space)
        Self.appendDecimal(record.status ?? -1, to: &out)
        out.append(Byte.space)
        Self.appendDecimal(record.bytesOut, to: &out)
        out.append(Byte.space)
        Self.appendDecimal(record.bytesIn, to: &out)
        out.append(Byte.space)
        Self.appendDecimal(record.headMilliseconds ?? -1, to: &out)
        out.append(Byte.slash)
        Self.appendDecimal(record.queueMilliseconds ?? -1, to: &out)
        out.append(Byte.slash)
        Self.appendDecimal(record.connectMilliseconds ?? -1, to: &out)
        out.append(Byte.slash)
        Self.appendDecimal(record.responseMilliseconds ?? -1, to: &out)
        out.append(Byte.slash)
        Self.appendDecimal(record.totalMilliseconds ?? -1, to: &out)
        out.append(Byte.space)
        Self.appendDecimal(record.retries, to: &out)
        out.append(Byte.space)
        let (first, second) = record.termination
        out.append(first)
        out.append(second)
        if var detail = record.detail {
            out.append(Byte.space)
            out.append(Byte.quote)
            detail.withUTF8 {
                Self.appendEscaped(
                    UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer($0).prefix(Self.maxDetailBytes)),
                    json: false,
                    to: &out
                )
            }
            out.append(Byte.quote)
        }
    }

    // MARK: JSON

    private mutating func appendJSON(_ record: AccessLogRecord, startedAt: Int64, to out: inout AccessLogLineWriter) {
        out.append(Key.time)
        out.append(Byte.quote)
        appendTime(startedAt, to: &out)
        out.append(Byte.quote)
        out.append(Key.clientIP)
        if let ip = record.clientIP { Self.appendQuoted(ip, to: &out) } else { out.append(Self.null) }
        out.append(Key.clientPort)
        Self.appendNumber(record.clientPort, to: &out)
        out.append(Key.frontend)
        Self.appendQuoted(frontend, to: &out)
        out.append(Key.backend)
        if let backend = record.backend {
            Self.appendQuoted(backend.name, to: &out)
        } else {
            out.append(Self.null)
        }
        out.append(Key.server)
        if let backend = record.backend, let server = record.server {
            Self.appendQuoted(backend.servers[server].name, to: &out)
        } else {
            out.append(Self.null)
        }
        if case .parsed(let bytes, let method, let target, let minorVersion) = record.request {
            bytes.withUnsafeReadableBytes { raw in
                out.append(Key.method)
                out.append(Byte.quote)
                Self.appendEscaped(UnsafeRawBufferPointer(rebasing: raw[method]), json: true, to: &out)
                out.append(Byte.quote)
                out.append(Key.target)
                out.append(Byte.quote)
                let kept = target.lowerBound..<min(target.upperBound, target.lowerBound + Self.maxTargetBytes)
                Self.appendEscaped(UnsafeRawBufferPointer(rebasing: raw[kept]), json: true, to: &out)
                out.append(Byte.quote)
            }
            out.append(Key.version)
            out.append(record.http2 ? Self.http2JSON : minorVersion == 0 ? Self.http10JSON : Self.http11JSON)
        } else {
            out.append(Key.method)
            out.append(Self.null)
            out.append(Key.target)
            out.append(Self.null)
            out.append(Key.version)
            out.append(Self.null)
        }
        out.append(Key.status)
        Self.appendNumber(record.status, to: &out)
        out.append(Key.bytesOut)
        Self.appendDecimal(record.bytesOut, to: &out)
        out.append(Key.bytesIn)
        Self.appendDecimal(record.bytesIn, to: &out)
        out.append(Key.headMs)
        Self.appendNumber(record.headMilliseconds, to: &out)
        out.append(Key.queueMs)
        Self.appendNumber(record.queueMilliseconds, to: &out)
        out.append(Key.connectMs)
        Self.appendNumber(record.connectMilliseconds, to: &out)
        out.append(Key.responseMs)
        Self.appendNumber(record.responseMilliseconds, to: &out)
        out.append(Key.totalMs)
        Self.appendNumber(record.totalMilliseconds, to: &out)
        out.append(Key.retries)
        Self.appendDecimal(record.retries, to: &out)
        out.append(Key.termination)
        let (first, second) = record.termination
        out.append(Byte.quote)
        out.append(first)
        out.append(second)
        out.append(Byte.quote)
        out.append(Key.detail)
        if var detail = record.detail {
            out.append(Byte.quote)
            detail.withUTF8 {
                Self.appendEscaped(
                    UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer($0).prefix(Self.maxDetailBytes)),
                    json: true,
                    to: &out
                )
            }
            out.append(Byte.quote)
        } else {
            out.append(Self.null)
        }
        if case .received(let bytes) = record.request {
            out.append(Key.received)
            out.append(Byte.quote)
            bytes.withUnsafeReadableBytes { raw in
                Self.appendEscaped(
                    UnsafeRawBufferPointer(rebasing: raw.prefix(Self.maxTargetBytes)),
                    json: true,
                    to: &out
                )
            }
            out.append(Byte.quote)
        }
        out.append(Byte.closeBrace)
    }

    // MARK: Pieces

    /// `2026-11-23T18:03:23.123Z`; the part up to the seconds is formatted once per second.
    private mutating func appendTime(_ milliseconds: Int64, to out: inout AccessLogLineWriter) {
        var second = milliseconds / 1000
        var millisecond = milliseconds % 1000
        if millisecond < 0 {
            second -= 1
            millisecond += 1000
        }
        if second != cachedSecond {
            cachedSecond = second
            var time = time_t(second)
            var fields = tm()
            gmtime_r(&time, &fields)
            let year = Int(fields.tm_year) + 1900
            let date = [
                Self.digit(year / 1000), Self.digit(year / 100), Self.digit(year / 10), Self.digit(year), Byte.dash,
                Self.digit((Int(fields.tm_mon) + 1) / 10), Self.digit(Int(fields.tm_mon) + 1), Byte.dash,
                Self.digit(Int(fields.tm_mday) / 10), Self.digit(Int(fields.tm_mday)), UInt8(ascii: "T"),
                Self.digit(Int(fields.tm_hour) / 10), Self.digit(Int(fields.tm_hour)), Byte.colon,
                Self.digit(Int(fields.tm_min) / 10), Self.digit(Int(fields.tm_min)), Byte.colon,
                Self.digit(Int(fields.tm_sec) / 10), Self.digit(Int(fields.tm_sec)), UInt8(ascii: "."),
            ]
            cachedDate = date
        }
        out.append(cachedDate)
        let value = Int(millisecond)
        out.append(Self.digit(value / 100))
        out.append(Self.digit(value / 10))
        out.append(Self.digit(value))
        out.append(UInt8(ascii: "Z"))
    }

    /// The last decimal digit of `value`, as ASCII.
    private static func digit(_ value: Int) -> UInt8 {
        0x30 + UInt8(truncatingIfNeeded: value % 10)
    }

    static func appendDecimal(_ value: Int, to out: inout AccessLogLineWriter) {
        if value < 0 { out.append(Byte.dash) }
        var rest = value.magnitude
        if rest < 10 {
            out.append(0x30 + UInt8(rest))
            return
        }
        var digits = 1
        var scan = rest
        while scan >= 10 {
            scan /= 10
            digits += 1
        }
        out.withReserved(digits) { start in
            var index = digits
            while index > 0 {
                index -= 1
                start.storeBytes(of: 0x30 + UInt8(rest % 10), toByteOffset: index, as: UInt8.self)
                rest /= 10
            }
        }
    }

    private static func appendNumber(_ value: Int?, to out: inout AccessLogLineWriter) {
        if let value { appendDecimal(value, to: &out) } else { out.append(null) }
    }

    /// A name from the configuration (validated: safe characters only) or an address, in quotes.
    private static func appendQuoted(_ text: String, to out: inout AccessLogLineWriter) {
        out.append(Byte.quote)
        out.append(text)
        out.append(Byte.quote)
    }

    /// `bytes` with what could end a field or a line escaped; runs of plain bytes are copied at once.
    static func appendEscaped(_ bytes: UnsafeRawBufferPointer, json: Bool, to out: inout AccessLogLineWriter) {
        var plainStart = 0
        for index in bytes.indices {
            let byte = bytes[index]
            guard byte < 0x20 || byte >= 0x7F || byte == Byte.quote || byte == Byte.backslash else { continue }
            if plainStart < index { out.append(UnsafeRawBufferPointer(rebasing: bytes[plainStart..<index])) }
            plainStart = index + 1
            out.append(Byte.backslash)
            if byte == Byte.quote || byte == Byte.backslash {
                out.append(byte)
                continue
            }
            if json {
                out.append(UInt8(ascii: "u"))
                out.append(0x30)
                out.append(0x30)
            } else {
                out.append(UInt8(ascii: "x"))
            }
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0xF)])
        }
        if plainStart < bytes.count { out.append(UnsafeRawBufferPointer(rebasing: bytes[plainStart...])) }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)
    private static let null: [UInt8] = Array("null".utf8)
    private static let http10Text: [UInt8] = Array(" HTTP/1.0".utf8)
    private static let http11Text: [UInt8] = Array(" HTTP/1.1".utf8)
    private static let http10JSON: [UInt8] = Array("\"HTTP/1.0\"".utf8)
    private static let http11JSON: [UInt8] = Array("\"HTTP/1.1\"".utf8)
    private static let http2Text: [UInt8] = Array(" HTTP/2.0".utf8)
    private static let http2JSON: [UInt8] = Array("\"HTTP/2.0\"".utf8)

    /// The JSON keys with their punctuation, stable names in a stable order.
    private enum Key {
        static let time: [UInt8] = Array("{\"time\":".utf8)
        static let clientIP: [UInt8] = Array(",\"client_ip\":".utf8)
        static let clientPort: [UInt8] = Array(",\"client_port\":".utf8)
        static let frontend: [UInt8] = Array(",\"frontend\":".utf8)
        static let backend: [UInt8] = Array(",\"backend\":".utf8)
        static let server: [UInt8] = Array(",\"server\":".utf8)
        static let method: [UInt8] = Array(",\"method\":".utf8)
        static let target: [UInt8] = Array(",\"target\":".utf8)
        static let version: [UInt8] = Array(",\"version\":".utf8)
        static let status: [UInt8] = Array(",\"status\":".utf8)
        static let bytesOut: [UInt8] = Array(",\"bytes_out\":".utf8)
        static let bytesIn: [UInt8] = Array(",\"bytes_in\":".utf8)
        static let headMs: [UInt8] = Array(",\"head_ms\":".utf8)
        static let queueMs: [UInt8] = Array(",\"queue_ms\":".utf8)
        static let connectMs: [UInt8] = Array(",\"connect_ms\":".utf8)
        static let responseMs: [UInt8] = Array(",\"response_ms\":".utf8)
        static let totalMs: [UInt8] = Array(",\"total_ms\":".utf8)
        static let retries: [UInt8] = Array(",\"retries\":".utf8)
        static let termination: [UInt8] = Array(",\"termination\":".utf8)
        static let detail: [UInt8] = Array(",\"detail\":".utf8)
        static let received: [UInt8] = Array(",\"received\":".utf8)
    }

    private enum Byte {
        static let newline = UInt8(ascii: "\n")
        static let space = UInt8(ascii: " ")
        static let quote = UInt8(ascii: "\"")
        static let backslash = UInt8(ascii: "\\")
        static let dash = UInt8(ascii: "-")
        static let slash = UInt8(ascii: "/")
        static let colon = UInt8(ascii: ":")
        static let openBracket = UInt8(ascii: "[")
        static let closeBracket = UInt8(ascii: "]")
        static let closeBrace = UInt8(ascii: "}")
    }
}

/// Appends bytes at `base + count`, never past `capacity`. The room for a whole line is checked before the line is
/// begun (``AccessLogFormatter/maxLineBytes``), so the checks here only keep a mistake from writing out of bounds:
/// a line that did not fit would be cut, never spill.
struct AccessLogLineWriter {
    let base: UnsafeMutableRawPointer
    let capacity: Int
    private(set) var count: Int

    init(base: UnsafeMutableRawPointer, capacity: Int, count: Int) {
        self.base = base
        self.capacity = capacity
        self.count = count
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        guard count < capacity else { return }
        base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count &+= 1
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        let length = min(bytes.count, capacity - count)
        guard length > 0, let source = bytes.baseAddress else { return }
        (base + count).copyMemory(from: source, byteCount: length)
        count &+= length
    }

    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    mutating func append(_ text: String) {
        let copied: Void? = text.utf8.withContiguousStorageIfAvailable { append(UnsafeRawBufferPointer($0)) }
        if copied == nil {
            for byte in text.utf8 { append(byte) }
        }
    }

    /// Lets `body` fill the next `length` bytes (all of them), when they fit.
    @inline(__always)
    mutating func withReserved(_ length: Int, _ body: (UnsafeMutableRawPointer) -> Void) {
        guard length <= capacity - count else { return }
        body(base + count)
        count &+= length
    }
}
