import NIOCore
import NIOHPACK

/// An HTTP/2 client at the frame level over a `RawConnection`: it writes exactly the frames a test builds (valid or
/// not: uppercase names, CONTINUATION floods, resets) and reads back the frames the proxy sends, decoded enough to
/// assert on (HEADERS decoded with HPACK, DATA, RST_STREAM, GOAWAY, SETTINGS). Every read takes a timeout.
final class H2FrameClient {
    struct Frame: CustomStringConvertible {
        var type: UInt8
        var flags: UInt8
        var stream: UInt32
        var payload: [UInt8]
        /// A HEADERS block's fields, decoded as the frame arrived (HPACK state follows the connection's order).
        var fields: [(String, String)]?

        var endStream: Bool { flags & 0x1 != 0 }
        var description: String { "frame(type \(type), flags \(flags), stream \(stream), \(payload.count) bytes)" }

        /// GOAWAY's error code, RST_STREAM's error code.
        var errorCode: UInt32? {
            switch type {
            case FrameType.goAway where payload.count >= 8: Self.uint32(payload, at: 4)
            case FrameType.rstStream where payload.count >= 4: Self.uint32(payload, at: 0)
            default: nil
            }
        }

        /// GOAWAY's last stream ID.
        var lastStreamID: UInt32? {
            type == FrameType.goAway && payload.count >= 8 ? Self.uint32(payload, at: 0) & 0x7FFF_FFFF : nil
        }

        static func uint32(_ bytes: [UInt8], at index: Int) -> UInt32 {
            bytes[index..<index + 4].reduce(0) { $0 << 8 | UInt32($1) }
        }
    }

    enum FrameType {
        static let data: UInt8 = 0x0
        static let headers: UInt8 = 0x1
        static let rstStream: UInt8 = 0x3
        static let settings: UInt8 = 0x4
        static let ping: UInt8 = 0x6
        static let goAway: UInt8 = 0x7
        static let windowUpdate: UInt8 = 0x8
        static let continuation: UInt8 = 0x9
    }

    enum ErrorCode {
        static let noError: UInt32 = 0x0
        static let protocolError: UInt32 = 0x1
        static let refusedStream: UInt32 = 0x7
        static let cancel: UInt32 = 0x8
        static let compressionError: UInt32 = 0x9
        static let enhanceYourCalm: UInt32 = 0xB
    }

    /// A response as the frames of one stream delivered it.
    struct Response {
        var headers: [(String, String)] = []
        var body: [UInt8] = []
        var trailers: [(String, String)] = []
        var reset: UInt32?

        var status: Int? { headers.first { $0.0 == ":status" }.map { Int($0.1)! } }
        var bodyText: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? { headers.first { $0.0 == name }?.1 }
    }

    let connection: RawConnection
    private var encoder = HPACKEncoder(allocator: ByteBufferAllocator())
    private var decoder = HPACKDecoder(allocator: ByteBufferAllocator())
    private var received: [UInt8] = []
    private(set) var closed = false
    /// Frames read but not yet asked for by `frame(...)`.
    private var queued: [Frame] = []

    private init(connection: RawConnection) {
        self.connection = connection
    }

    /// Connects, sends the preface and an empty SETTINGS; `settingsPayload` overrides ours.
    static func connect(to proxy: TestProxy) async throws -> H2FrameClient {
        let client = H2FrameClient(connection: try await proxy.connect())
        var bytes = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
        bytes += frameBytes(type: FrameType.settings, flags: 0, stream: 0, payload: [])
        try await client.send(bytes)
        return client
    }

    func send(_ bytes: [UInt8]) async throws {
        try await connection.send(connection.channel.allocator.buffer(bytes: bytes))
    }

    static func frameBytes(type: UInt8, flags: UInt8, stream: UInt32, payload: [UInt8]) -> [UInt8] {
        let length = payload.count
        return [UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF), type, flags]
            + withUnsafeBytes(of: stream.bigEndian, Array.init) + payload
    }

    /// A header block encoded with HPACK, names and values exactly as given (no validation).
    func headerBlock(_ fields: [(String, String)]) -> [UInt8] {
        var buffer = ByteBuffer()
        try! encoder.encode(headers: HPACKHeaders(fields), to: &buffer)
        return Array(buffer.readableBytesView)
    }

    /// HEADERS (END_HEADERS, and END_STREAM when `endStream`) as bytes.
    func headersFrame(stream: UInt32, _ fields: [(String, String)], endStream: Bool) -> [UInt8] {
        Self.frameBytes(
            type: FrameType.headers,
            flags: 0x4 | (endStream ? 0x1 : 0),
            stream: stream,
            payload: headerBlock(fields)
        )
    }

    static func dataFrame(stream: UInt32, _ data: [UInt8], endStream: Bool) -> [UInt8] {
        frameBytes(type: FrameType.data, flags: endStream ? 0x1 : 0, stream: stream, payload: data)
    }

    static func rstStreamFrame(stream: UInt32, code: UInt32) -> [UInt8] {
        frameBytes(
            type: FrameType.rstStream,
            flags: 0,
            stream: stream,
            payload: withUnsafeBytes(of: code.bigEndian, Array.init)
        )
    }

    /// The fields of a plain GET for `path`.
    static func get(_ path: String, authority: String = "test.local", method: String = "GET") -> [(String, String)] {
        [(":method", method), (":scheme", "http"), (":path", path), (":authority", authority)]
    }

    /// Sends one request on `stream` and reads its whole response (frames of other streams are kept for later).
    func request(
        stream: UInt32,
        _ fields: [(String, String)],
        body: [UInt8]? = nil,
        timeout: Duration = .seconds(5)
    ) async throws -> Response {
        var bytes = headersFrame(stream: stream, fields, endStream: body == nil)
        if let body { bytes += Self.dataFrame(stream: stream, body, endStream: true) }
        try await send(bytes)
        return try await response(stream: stream, timeout: timeout)
    }

    struct TimedOut: Error {}

    /// Reads the frames of `stream` until it ends (END_STREAM or RST_STREAM).
    func response(stream: UInt32, timeout: Duration = .seconds(5)) async throws -> Response {
        let deadline = ContinuousClock.now + timeout
        var response = Response()
        var sawHeaders = false
        while let frame = await frame(timeout: deadline - .now, where: { $0.stream == stream }) {
            switch frame.type {
            case FrameType.headers:
                let fields = frame.fields ?? []
                if !sawHeaders || fields.contains(where: { $0.0 == ":status" }) {
                    // Interim HEADERS are replaced by the final ones.
                    response.headers = fields
                    sawHeaders = true
                } else {
                    response.trailers = fields
                }
            case FrameType.data:
                response.body += frame.payload
                // The proxy may have closed after the last frame (drain): nothing more to open then.
                try? await windowUpdate(stream: stream, increment: frame.payload.count)
            case FrameType.rstStream:
                response.reset = frame.errorCode
                return response
            default:
                break
            }
            if frame.endStream, frame.type == FrameType.data || frame.type == FrameType.headers { return response }
        }
        throw TimedOut()
    }

    /// Opens the windows again for `increment` bytes of DATA received, on the stream and the connection.
    func windowUpdate(stream: UInt32, increment: Int) async throws {
        guard increment > 0 else { return }
        let payload = withUnsafeBytes(of: UInt32(increment).bigEndian, Array.init)
        try await send(
            Self.frameBytes(type: FrameType.windowUpdate, flags: 0, stream: 0, payload: payload)
                + Self.frameBytes(type: FrameType.windowUpdate, flags: 0, stream: stream, payload: payload)
        )
    }

    private func decode(_ block: [UInt8]) throws -> [(String, String)] {
        var buffer = ByteBuffer(bytes: block)
        return try decoder.decodeHeaders(from: &buffer).map { ($0.name, $0.value) }
    }

    /// The next frame matching `predicate` (SETTINGS are acknowledged and PINGs answered on the way), or nil on
    /// timeout or close.
    func frame(timeout: Duration, where predicate: (Frame) -> Bool = { _ in true }) async -> Frame? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let index = queued.firstIndex(where: predicate) { return queued.remove(at: index) }
            if let frame = parseFrame() {
                if frame.type == FrameType.settings, frame.flags & 0x1 == 0 {
                    try? await send(Self.frameBytes(type: FrameType.settings, flags: 0x1, stream: 0, payload: []))
                }
                queued.append(frame)
                continue
            }
            if closed || ContinuousClock.now >= deadline { return nil }
            switch await connection.next(timeout: deadline - .now) {
            case .bytes(let buffer): received += buffer.readableBytesView
            case .closed: closed = true
            case .timedOut: return nil
            }
        }
    }

    /// The value the proxy's first SETTINGS frame gives `parameter` (0x3: SETTINGS_MAX_CONCURRENT_STREAMS); nil when
    /// no SETTINGS came within `timeout` or it does not name the parameter.
    func advertisedSetting(_ parameter: UInt16, timeout: Duration = .seconds(5)) async -> UInt32? {
        guard let settings = await frame(timeout: timeout, where: { $0.type == FrameType.settings }) else { return nil }
        return stride(from: 0, to: settings.payload.count - 5, by: 6).first {
            UInt16(settings.payload[$0]) << 8 | UInt16(settings.payload[$0 + 1]) == parameter
        }.map { Frame.uint32(settings.payload, at: $0 + 2) }
    }

    /// Waits for GOAWAY; nil when none came within `timeout`.
    func goAway(timeout: Duration = .seconds(5)) async -> Frame? {
        await frame(timeout: timeout) { $0.type == FrameType.goAway }
    }

    /// Waits for the proxy to close the connection.
    func waitForClose(timeout: Duration = .seconds(5)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !closed, ContinuousClock.now < deadline {
            _ = await frame(timeout: deadline - .now) { _ in false }
        }
        return closed
    }

    private func parseFrame() -> Frame? {
        guard received.count >= 9 else { return nil }
        let length = Int(received[0]) << 16 | Int(received[1]) << 8 | Int(received[2])
        guard received.count >= 9 + length else { return nil }
        var frame = Frame(
            type: received[3],
            flags: received[4],
            stream: Frame.uint32(received, at: 5) & 0x7FFF_FFFF,
            payload: Array(received[9..<9 + length])
        )
        received.removeFirst(9 + length)
        if frame.type == FrameType.headers { frame.fields = try? decode(frame.payload) }
        return frame
    }

    func close() async {
        await connection.close()
    }
}
