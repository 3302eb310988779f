import NIOCore
import Testing

/// 64 MiB each way through the in-process proxy, with client and backend streaming in chunks, so the
/// test process's resident memory measures the proxy's buffering.
@Suite("Large bodies", .serialized, .timeLimit(.minutes(1)))
struct LargeBodyTests {
    static let size = 64 << 20
    static let allowedGrowth = 48 << 20

    @Test func uploadOf64MiBStreamsWithBoundedMemory() async throws {
        let backend = try await TestBackend(name: "sink", behaviour: .countBody)
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [backend.port])])
        let client = try await proxy.connect()
        try await warmUp(client)
        let before = residentMemoryBytes()

        try await client.send("POST /upload HTTP/1.1\r\nHost: test.local\r\nContent-Length: \(Self.size)\r\n\r\n")
        let chunk = client.channel.allocator.buffer(repeating: UInt8(ascii: "u"), count: 256 * 1024)
        for _ in 0..<(Self.size / chunk.readableBytes) {
            try await client.send(chunk)  // completes once the kernel took it: backpressure from the proxy
        }
        let response = try await client.readResponse(timeout: .seconds(30))
        let after = residentMemoryBytes()

        #expect(response.status == 200)
        #expect(response.bodyText == String(Self.size))
        #expect(after - before < Self.allowedGrowth, "RSS grew by \((after - before) >> 20) MiB")
        await client.close()
        await proxy.stop()
        await backend.close()
    }

    @Test func downloadOf64MiBStreamsWithBoundedMemory() async throws {
        let backend = try await TestBackend(name: "source", behaviour: .generateBody(bytes: Self.size))
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [backend.port])])
        let client = try await proxy.connect()
        let before = residentMemoryBytes()

        try await client.send("GET /download HTTP/1.1\r\nHost: test.local\r\n\r\n")
        let response = try await client.readResponse(timeout: .seconds(30), keepBody: false)
        let after = residentMemoryBytes()

        #expect(response.status == 200)
        #expect(response.header("content-length") == String(Self.size))
        #expect(response.bodyCount == Self.size)
        #expect(!response.truncated)
        #expect(after - before < Self.allowedGrowth, "RSS grew by \((after - before) >> 20) MiB")
        await client.close()
        await proxy.stop()
        await backend.close()
    }

    @Test func chunkedUploadIsForwardedWhole() async throws {
        let backend = try await TestBackend(name: "sink", behaviour: .countBody)
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [backend.port])])
        let client = try await proxy.connect()
        try await client.send("POST /chunks HTTP/1.1\r\nHost: test.local\r\nTransfer-Encoding: chunked\r\n\r\n")
        let chunk = String(repeating: "c", count: 100_000)
        for _ in 0..<10 {
            try await client.send(String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n")
        }
        try await client.send("0\r\n\r\n")
        let response = try await client.readResponse()
        #expect(response.status == 200)
        #expect(response.bodyText == "1000000")
        let head = try #require(backend.requests.elements.first)
        #expect(head.headers["transfer-encoding"] == ["chunked"])
        #expect(!head.headers.contains(name: "content-length"))
        await client.close()
        await proxy.stop()
        await backend.close()
    }

    /// One small exchange first, so that connection set-up allocations are not counted as body buffering.
    private func warmUp(_ client: RawConnection) async throws {
        try await client.send("POST /warm HTTP/1.1\r\nHost: test.local\r\nContent-Length: 5\r\n\r\nhello")
        let response = try await client.readResponse()
        #expect(response.bodyText == "5")
    }
}
