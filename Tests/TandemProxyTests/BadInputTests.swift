import Testing

/// Every bad input of issue 3 item 5, each on its own raw connection: the proxy answers with a short body
/// and `Connection: close`, closes the connection, and never bothers the backend.
@Suite("Bad input", .timeLimit(.minutes(1)))
struct BadInputTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var label: String
        var request: String
        var status: Int
        var testDescription: String { label }
    }

    static let hugeHeaders = (0..<70).map { "X-Filler-\($0): " + String(repeating: "h", count: 1000) + "\r\n" }.joined()

    static let cases: [Case] = [
        Case(label: "malformed request line", request: "GARBAGE\r\n\r\n", status: 400),
        Case(label: "request line without version", request: "GET /\r\nHost: a\r\n\r\n", status: 400),
        Case(label: "malformed header", request: "GET / HTTP/1.1\r\nHost: a\r\nNo colon here\r\n\r\n", status: 400),
        Case(label: "space before header colon", request: "GET / HTTP/1.1\r\nHost : a\r\n\r\n", status: 400),
        Case(
            label: "headers over 64 KiB", request: "GET / HTTP/1.1\r\nHost: a\r\n" + hugeHeaders + "\r\n", status: 431),
        Case(
            label: "URI over 8 KiB",
            request: "GET /" + String(repeating: "u", count: 9000) + " HTTP/1.1\r\nHost: a\r\n\r\n",
            status: 414
        ),
        Case(
            label: "Transfer-Encoding: gzip",
            request: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\nabc",
            status: 501
        ),
        Case(
            label: "Content-Length with Transfer-Encoding",
            request: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            status: 400
        ),
        Case(
            label: "Transfer-Encoding with Content-Length",
            request: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
            status: 400
        ),
        Case(
            label: "Transfer-Encoding: chunked, gzip",
            request: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\nabc",
            status: 501
        ),
        Case(
            label: "Transfer-Encoding: gzip, chunked",
            request: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
            status: 501
        ),
        Case(
            label: "two different Content-Length",
            request: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
            status: 400
        ),
        Case(
            label: "two different Content-Length in one field",
            request: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\nhello!",
            status: 400
        ),
        Case(label: "HTTP/1.1 without Host", request: "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", status: 400),
    ]

    @Test(arguments: cases)
    func answersAndCloses(_ badInput: Case) async throws {
        let backend = try await TestBackend(name: "app")
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [backend.port])])
        let client = try await proxy.connect()
        try await client.send(badInput.request)
        let response = try await client.readResponse(timeout: .seconds(3))
        #expect(response.status == badInput.status)
        #expect(response.closesConnection)
        #expect(!response.body.isEmpty)
        #expect(response.body.count < 200)
        #expect(response.bodyText.hasPrefix(String(badInput.status)))
        #expect(await client.waitForClose(timeout: .seconds(3)), "the proxy left the connection open")
        #expect(backend.acceptedConnections == 0)
        await client.close()
        await proxy.stop()
        await backend.close()
    }

    @Test func aGoodRequestAfterAnIdenticalBadOneStillWorksOnANewConnection() async throws {
        let backend = try await TestBackend(name: "app")
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [backend.port])])
        let bad = try await proxy.connect()
        try await bad.send("GARBAGE\r\n\r\n")
        #expect(try await bad.readResponse().status == 400)
        let good = try await proxy.connect()
        #expect(try await good.get().status == 200)
        await bad.close()
        await good.close()
        await proxy.stop()
        await backend.close()
    }
}
