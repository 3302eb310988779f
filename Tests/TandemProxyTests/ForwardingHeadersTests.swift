import NIOHTTP1
import Testing

@testable import TandemProxy

@Suite("Forwarding headers")
struct ForwardingHeadersTests {
    @Test func removesEveryHopByHopField() {
        var headers = HTTPHeaders([
            ("Host", "example.com"),
            ("Connection", "keep-alive"),
            ("Keep-Alive", "timeout=5"),
            ("Proxy-Connection", "keep-alive"),
            ("TE", "trailers"),
            ("Trailer", "Expires"),
            ("Transfer-Encoding", "chunked"),
            ("Upgrade", "websocket"),
            ("Proxy-Authenticate", "Basic"),
            ("Proxy-Authorization", "Basic Zm9vOmJhcg=="),
            ("Accept", "*/*"),
        ])
        headers.removeHopByHop()
        #expect(headers.map(\.name) == ["Host", "Accept"])
    }

    @Test func removesTheFieldsThatConnectionNames() {
        var headers = HTTPHeaders([
            ("Host", "example.com"),
            ("Connection", "keep-alive, X-Hop-One"),
            ("connection", " x-hop-two ,\tClose"),
            ("X-Hop-One", "1"),
            ("X-HOP-TWO", "2"),
            ("X-End-To-End", "3"),
        ])
        headers.removeHopByHop()
        #expect(headers.map(\.name) == ["Host", "X-End-To-End"])
    }

    @Test func appendsToAnExistingForwardedFor() {
        var headers = HTTPHeaders([("Host", "example.com"), ("X-Forwarded-For", "198.18.0.7")])
        headers.addForwardingFields(clientIP: "127.0.0.1", scheme: "http", host: "example.com")
        #expect(headers["x-forwarded-for"] == ["198.18.0.7, 127.0.0.1"])
    }

    @Test func addsForwardedForWhenAbsent() {
        var headers = HTTPHeaders([("Host", "example.com")])
        headers.addForwardingFields(clientIP: "127.0.0.1", scheme: "http", host: "example.com")
        #expect(headers["x-forwarded-for"] == ["127.0.0.1"])
    }

    @Test func setsProtoAndHostReplacingWhatTheClientSent() {
        var headers = HTTPHeaders([
            ("Host", "Example.com:8080"),
            ("X-Forwarded-Proto", "https"),
            ("X-Forwarded-Host", "spoofed.example"),
        ])
        headers.addForwardingFields(clientIP: "127.0.0.1", scheme: "http", host: "Example.com:8080")
        #expect(headers["x-forwarded-proto"] == ["http"])
        #expect(headers["x-forwarded-host"] == ["Example.com:8080"])
        #expect(headers["host"] == ["Example.com:8080"])
    }

    @Test func appendsToEveryForwardedForLineKeepingThemAll() {
        var headers = HTTPHeaders([
            ("Host", "example.com"),
            ("X-Forwarded-For", "198.18.0.7"),
            ("X-Forwarded-For", "198.18.0.8, 198.18.0.9"),
        ])
        headers.addForwardingFields(clientIP: "127.0.0.1", scheme: "http", host: "example.com")
        #expect(headers["x-forwarded-for"] == ["198.18.0.7, 198.18.0.8, 198.18.0.9, 127.0.0.1"])
    }
}
