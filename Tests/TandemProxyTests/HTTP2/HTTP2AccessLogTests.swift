import Foundation
import NIOCore
import Prometheus
import Testing

@testable import TandemProxy

/// What the access log and the metrics say of HTTP/2 streams: the version the client spoke (the engine behind the
/// stream adapter sees HTTP/1.1), and the 431 the adapter refuses an oversized header list with.
@Suite("HTTP/2 access log and metrics", .serialized, .timeLimit(.minutes(1)))
struct HTTP2AccessLogTests {
    typealias C = H2FrameClient
    typealias Scratch = AccessLogProxyTests.Scratch

    /// An h2c stream's line says `HTTP/2.0` in text and JSON; an HTTP/1.1 request beside it still says `HTTP/1.1`.
    @Test(arguments: ["text", "json"])
    func streamsAreLoggedAsHTTP2(format: String) async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let backend = try await TestBackend(name: "b1")
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [backend.port])],
            frontend: ["h2c: true", scratch.logLine(format: format)]
        )
        let client = try await C.connect(to: proxy)
        #expect(try await client.request(stream: 1, C.get("/over-h2?x=1")).status == 200)
        await client.close()
        #expect(try await proxy.getOnce("/over-h1").status == 200)
        let lines = await scratch.waitForLines(2)
        try #require(lines.count == 2)
        let h2 = try #require(lines.first { $0.contains("/over-h2") })
        let h1 = try #require(lines.first { $0.contains("/over-h1") })
        if format == "text" {
            #expect(AccessLogProxyTests.fields(h2)[4] == "\"GET /over-h2?x=1 HTTP/2.0\"")
            #expect(AccessLogProxyTests.fields(h2)[10] == "--")
            #expect(AccessLogProxyTests.fields(h1)[4] == "\"GET /over-h1 HTTP/1.1\"")
        } else {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(h2.utf8)) as? [String: Any])
            #expect(object["version"] as? String == "HTTP/2.0")
            #expect(object["target"] as? String == "/over-h2?x=1")
            #expect(object["status"] as? Int == 200)
            let other = try #require(try JSONSerialization.jsonObject(with: Data(h1.utf8)) as? [String: Any])
            #expect(other["version"] as? String == "HTTP/1.1")
        }
        await proxy.stop()
        await backend.close()
    }

    /// A header list over `max_header_list_size` is answered 431 by the engine (its usual body), followed by
    /// RST_STREAM NO_ERROR while the client was still sending; the line is the engine's refusal (`PR`) with the
    /// request line and `HTTP/2.0`, and the response metrics count it. The connection serves on.
    @Test func oversizedHeaderListIsAnsweredLoggedAndCounted() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let registry = PrometheusCollectorRegistry()
        let backend = try await TestBackend(name: "b1")
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [backend.port])],
            frontend: ["h2c: true", "h2: { max_header_list_size: 1024 }", scratch.logLine()],
            metrics: ProxyMetrics(registry: registry)
        )
        let client = try await C.connect(to: proxy)
        let big = C.get("/big", method: "POST") + [("x-big", String(repeating: "a", count: 2000))]
        try await client.send(client.headersFrame(stream: 1, big, endStream: false))
        let refused = try await client.response(stream: 1)
        #expect(refused.status == 431)
        #expect(refused.bodyText.hasPrefix("431 Request Header Fields Too Large"))
        #expect(refused.header("connection") == nil)
        let reset = await client.frame(timeout: .seconds(3)) { $0.stream == 1 && $0.type == C.FrameType.rstStream }
        #expect(reset?.errorCode == C.ErrorCode.noError)
        #expect(try await client.request(stream: 3, C.get("/after")).status == 200)
        await client.close()

        let lines = await scratch.waitForLines(2)
        try #require(lines.count == 2)
        let fields = AccessLogProxyTests.fields(try #require(lines.first { $0.contains("/big") }))
        #expect(fields[3] == "-/-")
        #expect(fields[4] == "\"POST /big HTTP/2.0\"")
        #expect(fields[5] == "431")
        #expect(fields[10] == "PR")
        #expect(fields[11] == "\"the header list is over 1024 bytes\"")
        #expect(backend.requests.elements.map(\.uri) == ["/after"])

        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        let exposition = String(decoding: buffer, as: UTF8.self).split(separator: "\n")
        let responses = exposition.filter { $0.hasPrefix("tandem_frontend_responses_total{") }
        #expect(responses.contains { $0.contains("code=\"4xx\"") && $0.hasSuffix(" 1") })
        #expect(responses.contains { $0.contains("code=\"2xx\"") && $0.hasSuffix(" 1") })
        await proxy.stop()
        await backend.close()
    }
}
