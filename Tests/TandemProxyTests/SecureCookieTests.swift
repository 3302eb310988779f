import Testing

/// The persistence cookie carries `Secure` exactly when the frontend terminates TLS.
@Suite("Persistence cookie: Secure on TLS frontends", .timeLimit(.minutes(1)))
struct SecureCookieTests {
    static let cookieName = PersistenceTests.cookieName

    /// Over TLS the Set-Cookie is `NAME=<16 hex>; Path=/; HttpOnly; Secure`, and the cookie sent back pins.
    @Test func tlsFrontendSetsSecure() async throws {
        let files = try await TLSTestFiles.make()
        defer { files.remove() }
        let backends = try await PersistenceTests.makeBackends()
        let proxy = try await TestProxy.start(
            backends: [
                BackendSpec(ports: backends.map(\.port), extra: ["persistence: { cookie: \(Self.cookieName) }"])
            ],
            frontend: [files.frontendLine]
        )
        let client = try await TLSTestClient.connect(port: try #require(proxy.address.port))
        let first = try await client.get()
        let header = try #require(first.header("set-cookie"))
        let parts = header.split(separator: ";").map { $0.trimmingSpaces }
        #expect(parts.count == 4, "Set-Cookie: \(header)")
        #expect(parts.dropFirst().map(String.init) == ["Path=/", "HttpOnly", "Secure"], "Set-Cookie: \(header)")
        let value = String(parts[0].dropFirst(Self.cookieName.count + 1))
        #expect(parts[0].hasPrefix(Self.cookieName + "=") && value.count == 16 && value.allSatisfy(\.isHexDigit))

        for _ in 0..<5 {
            let pinned = try await client.get(extraHeaders: ["Cookie: \(Self.cookieName)=\(value)"])
            #expect(pinned.bodyText == first.bodyText)
            #expect(pinned.header("set-cookie") == nil)
        }
        await proxy.stop()
        for backend in backends { await backend.close() }
    }

    /// Over plain HTTP the same configuration sets no `Secure` attribute (browsers would drop the cookie).
    @Test func plainFrontendDoesNotSetSecure() async throws {
        let backends = try await PersistenceTests.makeBackends()
        let proxy = try await PersistenceTests.startProxy(backends)
        let response = try await proxy.getOnce()
        let header = try #require(response.header("set-cookie"))
        #expect(!header.contains("Secure"), "Set-Cookie: \(header)")
        #expect(PersistenceTests.cookieValue(in: response) != nil, "Set-Cookie: \(header)")
        await proxy.stop()
        for backend in backends { await backend.close() }
    }
}
