import Foundation
import NIOCore
import TandemConfig
import Testing

@testable import TandemProxy

/// Access log lines byte for byte, in both formats: a proxied request, a refused head, a tunnel, and the escaping
/// that keeps a hostile target from forging a line or a field.
@Suite("Access log formatting")
struct AccessLogFormatterTests {
    static let backend: BackendRuntime = {
        let yaml = """
            node: { name: test }
            frontends: [{ name: web, bind: 127.0.0.1:8080, backend: app }]
            backends: [{ name: app, servers: [{ name: be1, address: 127.0.0.1:9001 }] }]
            """
        let configuration = try! ConfigLoader.parse(yaml: yaml, file: "test.yaml")
        return try! BackendRuntime(settings: configuration.backends[0], eventLoops: [])
    }()

    /// 2026-11-23T16:13:23.123Z.
    static let wallStart: Int64 = 1_795_450_403_123
    static let start = NIODeadline.uptimeNanoseconds(5_000_000_000)

    static func at(_ milliseconds: Int64) -> NIODeadline {
        start + .milliseconds(milliseconds)
    }

    static func head(_ text: String) throws -> RequestHead {
        let buffer = ByteBuffer(string: text)
        let limits = RequestHeadParser.Limits(
            maxHeaderBytes: 65536,
            maxURIBytes: 8192,
            maxHeaderFields: 100,
            maxHeaderNameBytes: 256,
            maxConnectionTokens: 16
        )
        return try RequestHeadParser.parse(buffer, length: buffer.readableBytes, limits: limits).get()
    }

    /// A request that went through: timings 2/4/1/3/9 ms, one retry.
    static func proxied(target: String = "/index.html") throws -> AccessLogRecord {
        var record = AccessLogRecord(started: start, clientIP: "192.0.2.7", clientPort: 50312)
        record.headReceived(try head("GET \(target) HTTP/1.1\r\nHost: a\r\n\r\n"), backend: backend, now: at(2))
        record.queued(now: at(2))
        record.leftQueue(now: at(6))
        record.connecting(to: 0, attempt: 2, now: at(6))
        record.connected(now: at(7))
        record.responseStarted(status: 200, now: at(10))
        record.bytesIn += 100
        record.bytesOut = 1843
        _ = record.end(.completed, detail: "ignored", now: at(11))
        return record
    }

    static func line(_ record: AccessLogRecord, _ format: AccessLogSettings.Format) -> String {
        var formatter = AccessLogFormatter(format: format, frontend: "web")
        let base = UnsafeMutableRawPointer.allocate(byteCount: AccessLogFormatter.maxLineBytes, alignment: 16)
        defer { base.deallocate() }
        var out = AccessLogLineWriter(base: base, capacity: AccessLogFormatter.maxLineBytes, count: 0)
        formatter.append(record, startedAt: wallStart, to: &out)
        return String(decoding: UnsafeRawBufferPointer(start: base, count: out.count), as: UTF8.self)
    }

    /// The text line of the documented example shape, field by field.
    @Test func aProxiedRequestInText() throws {
        let record = try Self.proxied()
        #expect(
            Self.line(record, .text)
                == "2026-11-23T16:13:23.123Z 192.0.2.7:50312 web app/be1 \"GET /index.html HTTP/1.1\" 200 1843 137"
                + " 2/4/1/3/11 1 --\n"
        )
    }

    /// The same request as JSON: every key, in order, and valid JSON.
    @Test func aProxiedRequestInJSON() throws {
        let line = Self.line(try Self.proxied(), .json)
        #expect(
            line
                == "{\"time\":\"2026-11-23T16:13:23.123Z\",\"client_ip\":\"192.0.2.7\",\"client_port\":50312,"
                + "\"frontend\":\"web\",\"backend\":\"app\",\"server\":\"be1\",\"method\":\"GET\","
                + "\"target\":\"/index.html\",\"version\":\"HTTP/1.1\",\"status\":200,\"bytes_out\":1843,"
                + "\"bytes_in\":137,\"head_ms\":2,\"queue_ms\":4,\"connect_ms\":1,\"response_ms\":3,\"total_ms\":11,"
                + "\"retries\":1,\"termination\":\"--\",\"detail\":null}\n"
        )
        #expect(try JSONSerialization.jsonObject(with: Data(line.utf8)) is [String: Any])
    }

    /// A refused head: no backend, the first line as received, the refusal as the detail; IPv6 in brackets.
    @Test func aRefusedHead() throws {
        var record = AccessLogRecord(started: Self.start, clientIP: "2001:db8::1", clientPort: 443)
        record.request = .received(ByteBuffer(string: "GARBAGE"))
        record.status = 400
        record.bytesIn = 11
        record.bytesOut = 120
        record.headReceived = Self.at(1)
        _ = record.end(.refused, detail: "invalid request line", now: Self.at(1))
        #expect(
            Self.line(record, .text)
                == "2026-11-23T16:13:23.123Z [2001:db8::1]:443 web -/- \"GARBAGE\" 400 120 11 1/-1/-1/-1/1 0 PR"
                + " \"invalid request line\"\n"
        )
        let json = Self.line(record, .json)
        #expect(
            json
                == "{\"time\":\"2026-11-23T16:13:23.123Z\",\"client_ip\":\"2001:db8::1\",\"client_port\":443,"
                + "\"frontend\":\"web\",\"backend\":null,\"server\":null,\"method\":null,\"target\":null,"
                + "\"version\":null,\"status\":400,\"bytes_out\":120,\"bytes_in\":11,\"head_ms\":1,\"queue_ms\":null,"
                + "\"connect_ms\":null,\"response_ms\":null,\"total_ms\":1,\"retries\":0,\"termination\":\"PR\","
                + "\"detail\":\"invalid request line\",\"received\":\"GARBAGE\"}\n"
        )
        #expect(try JSONSerialization.jsonObject(with: Data(json.utf8)) is [String: Any])
    }

    /// Quotes, backslashes and bytes outside printable ASCII are escaped in both formats; the JSON stays valid.
    @Test func oddBytesAreEscaped() throws {
        var record = AccessLogRecord(started: Self.start, clientIP: "192.0.2.7", clientPort: 1)
        record.request = .received(ByteBuffer(bytes: Array("G\"\\\u{1}".utf8) + [0xFF, 0x7F, 0x20, 0x41]))
        _ = record.end(.clientClosed, detail: "say \"no\"", now: Self.at(3))
        let text = Self.line(record, .text)
        #expect(text.contains(#" "G\"\\\x01\xff\x7f A" -1 0 0 -1/-1/-1/-1/3 0 CR "say \"no\""#))
        let json = Self.line(record, .json)
        #expect(json.contains(#""received":"G\"\\\u0001\u00ff\u007f A""#))
        #expect(json.contains(#""detail":"say \"no\"""#))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["received"] as? String == "G\"\\\u{1}\u{FF}\u{7F} A")
    }

    /// A target with a quote and a backslash (both legal in a request target) cannot end the field early.
    @Test func aTargetWithAQuote() throws {
        let record = try Self.proxied(target: "/a\"b\\c")
        #expect(Self.line(record, .text).contains(#" "GET /a\"b\\c HTTP/1.1" "#))
        let json = Self.line(record, .json)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["target"] as? String == "/a\"b\\c")
    }

    /// Only the first 1024 bytes of a long target are kept.
    @Test func aLongTargetIsCut() throws {
        let record = try Self.proxied(target: "/" + String(repeating: "x", count: 5000))
        let text = Self.line(record, .text)
        #expect(text.contains(" \"GET /" + String(repeating: "x", count: 1023) + " HTTP/1.1\" "))
    }

    /// A tunnel (`mode: tcp`) ended by the client: no request, no status, data phase.
    @Test func aTunnelClosedByTheClient() throws {
        var record = AccessLogRecord(started: Self.start, clientIP: "192.0.2.7", clientPort: 50312)
        record.backend = Self.backend
        record.queueWait = .zero
        record.connecting(to: 0, attempt: 1, now: Self.at(0))
        record.connected(now: Self.at(1))
        record.tunnelled = true
        record.bytesIn = 10
        record.bytesOut = 20
        _ = record.end(.clientClosed, now: Self.at(2500))
        #expect(
            Self.line(record, .text)
                == "2026-11-23T16:13:23.123Z 192.0.2.7:50312 web app/be1 \"-\" -1 20 10 -1/0/1/-1/2500 0 CD\n"
        )
    }

    /// The termination letters: who ended it, then how far it got.
    @Test func terminations() throws {
        let head = try Self.head("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        func code(
            _ cause: AccessLogRecord.Cause,
            phase: AccessLogRecord.Phase? = nil,
            _ build: (inout AccessLogRecord) -> Void = { _ in }
        ) -> String {
            var record = AccessLogRecord(started: Self.start, clientIP: nil, clientPort: nil)
            build(&record)
            _ = record.end(cause, phase: phase, now: Self.at(2))
            let (first, second) = record.termination
            return String(decoding: [first, second], as: UTF8.self)
        }
        let received: (inout AccessLogRecord) -> Void = {
            $0.headReceived(head, backend: Self.backend, now: Self.at(1))
        }
        let queued: (inout AccessLogRecord) -> Void = { record in
            received(&record)
            record.queued(now: Self.at(1))
        }
        let connecting: (inout AccessLogRecord) -> Void = { record in
            received(&record)
            record.connecting(to: 0, attempt: 1, now: Self.at(1))
        }
        let waiting: (inout AccessLogRecord) -> Void = { record in
            connecting(&record)
            record.connected(now: Self.at(1))
        }
        let responding: (inout AccessLogRecord) -> Void = { record in
            waiting(&record)
            record.responseStarted(status: 200, now: Self.at(1))
        }
        let codes = [
            code(.clientTimeout), code(.serverTimeout, queued), code(.resources, queued),
            code(.serverFailed, connecting),
            code(.serverTimeout, waiting), code(.clientClosed, responding),
            code(.serverFailed, phase: .connect, received),
            code(.completed, responding),
        ]
        #expect(codes == ["cR", "sQ", "RQ", "SC", "sH", "CD", "SC", "--"])
    }
}
