import NIOCore
import Testing

@testable import TandemProxy

/// The PROXY protocol, byte for byte, then through the proxy: `send_proxy` in front of server connections (layer 4
/// and layer 7), `accept_proxy` from a balancer in front.
@Suite("PROXY protocol", .timeLimit(.minutes(1)))
struct ProxyProtocolTests {
    static let client = try! SocketAddress(ipAddress: "198.18.0.9", port: 51000)
    static let frontend = try! SocketAddress(ipAddress: "198.18.0.100", port: 443)

    @Test func headersByteForByte() throws {
        #expect(
            String(buffer: ProxyProtocol.header(.v1, source: Self.client, destination: Self.frontend))
                == "PROXY TCP4 198.18.0.9 198.18.0.100 51000 443\r\n"
        )
        let v2 = ProxyProtocol.header(.v2, source: Self.client, destination: Self.frontend)
        #expect(
            Array(v2.readableBytesView)
                == ProxyProtocol.signature + [
                    0x21, 0x11, 0, 12, 198, 18, 0, 9, 198, 18, 0, 100, 0xC7, 0x38, 0x01, 0xBB,
                ]
        )
        let six = try SocketAddress(ipAddress: "2001:2::9", port: 1)
        let sixTo = try SocketAddress(ipAddress: "2001:2::100", port: 2)
        #expect(
            String(buffer: ProxyProtocol.header(.v1, source: six, destination: sixTo))
                == "PROXY TCP6 2001:2::9 2001:2::100 1 2\r\n"
        )
        #expect(ProxyProtocol.header(.v2, source: six, destination: sixTo).readableBytes == 16 + 36)
    }

    @Test(arguments: [ProxyProtocol.Version.v1, .v2])
    func headersRoundTrip(version: ProxyProtocol.Version) throws {
        let six = try SocketAddress(ipAddress: "2001:2::9", port: 4000)
        let sixTo = try SocketAddress(ipAddress: "2001:2::1", port: 80)
        for (source, destination) in [(Self.client, Self.frontend), (six, sixTo)] {
            var bytes = ProxyProtocol.header(version, source: source, destination: destination)
            let length = bytes.readableBytes
            bytes.writeString("GET / HTTP/1.1\r\n")
            #expect(
                ProxyProtocol.parse(bytes)
                    == .header(.init(source: source, destination: destination), length: length)
            )
            #expect(ProxyProtocol.parse(bytes.getSlice(at: 0, length: length - 1)!) == .incomplete)
        }
    }

    @Test(arguments: [
        "GET / HTTP/1.1\r\n", "PROXY TCP4 198.18.0.9\r\n", "PROXY TCP4 198.18.0.9 198.18.0.1 70000 80\r\n",
        "PROXY TCP6 198.18.0.9 198.18.0.1 1 80\r\n", "PROXY TCP4 198.18.0.9 198.18.0.1 1 80\n",
        "PROXY TCP4 " + String(repeating: "1", count: 120),
    ])
    func malformedHeadersAreRefused(text: String) {
        guard case .invalid = ProxyProtocol.parse(ByteBuffer(string: text)) else {
            Issue.record("accepted \(text.debugDescription)")
            return
        }
    }

    @Test func theLocalCommandAndUnknownCarryNoAddress() {
        #expect(ProxyProtocol.parse(ByteBuffer(string: "PROXY UNKNOWN\r\n")) == .header(.init(), length: 15))
        let local = ByteBuffer(bytes: ProxyProtocol.signature + [0x20, 0x00, 0, 0])
        #expect(ProxyProtocol.parse(local) == .header(.init(), length: 16))
    }

    /// Layer 4 with `send_proxy: v1`: the server hears the header (naming the real client) before the bytes.
    @Test func aLayer4ServerHearsTheClientFirst() async throws {
        let server = try await TestTCPServer(.echo)
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [server.port], extra: ["send_proxy: v1"])],
            mode: "tcp"
        )
        let client = try await proxy.connect()
        try await client.send("data")
        let local = try #require(client.channel.localAddress?.port)
        let expected = "PROXY TCP4 127.0.0.1 127.0.0.1 \(local) \(proxy.address.port!)\r\ndata"
        let echoed = await TCPModeTests.receive(expected.utf8.count, from: client)
        #expect(String(decoding: echoed, as: UTF8.self) == expected)
        await client.close()
        await proxy.stop()
        await server.close()
    }

    /// Layer 7 with `send_proxy: v2`: every request's connection starts with the header; none is pooled.
    @Test func aLayer7ServerConnectionStartsWithTheHeader() async throws {
        let server = try await TestTCPServer(.recordAndAnswerHTTP)
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [server.port], extra: ["send_proxy: v2"])])
        for _ in 0..<2 {
            let response = try await proxy.getOnce()
            #expect(response.status == 200)
        }
        #expect(server.acceptedConnections == 2)
        for first in server.firstBytes.elements {
            #expect(first.utf8.starts(with: ProxyProtocol.signature))
            #expect(first.contains("GET / HTTP/1.1\r\n"))
        }
        await proxy.stop()
        await server.close()
    }

    /// `accept_proxy`: the balancer's header names the client (X-Forwarded-For shows it); a connection without one
    /// is closed unanswered.
    @Test func aBalancerInFrontNamesTheClient() async throws {
        let backend = try await TestBackend(name: "app")
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [backend.port])],
            frontend: ["accept_proxy: true"]
        )
        let proxied = try await proxy.connect()
        try await proxied.send("PROXY TCP4 198.18.0.9 198.18.0.100 51000 80\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try await proxied.readResponse().status == 200)
        #expect(backend.requests.elements.last?.headers["x-forwarded-for"] == ["198.18.0.9"])
        let direct = try await proxy.connect()
        try await direct.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        let (bytes, closed) = await direct.readUntilClose(timeout: .seconds(3))
        #expect(closed)
        #expect(bytes.isEmpty)
        #expect(backend.requests.count == 1)
        await proxied.close()
        await proxy.stop()
        await backend.close()
    }
}
