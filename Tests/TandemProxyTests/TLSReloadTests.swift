import Foundation
import TandemProxy
import Testing

/// `ProxyServer.reloadTLS()` (SIGHUP, `tandem reload`) through a real TLS frontend on loopback.
@Suite("TLS frontends: hot reload of certificates and ticket keys", .timeLimit(.minutes(1)))
struct TLSReloadTests {
    /// What a reload that fails is given instead of a good certificate file.
    enum BadFile: CaseIterable, Sendable {
        case garbage
        case keyOfAnotherCertificate
        case missing
    }

    private static func start() async throws -> (TLSTestFiles, TestBackend, TestProxy, Int) {
        let files = try await TLSTestFiles.make()
        let backend = try await TestBackend(name: "a")
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [backend.port])],
            frontend: [files.frontendLine]
        )
        return (files, backend, proxy, try #require(proxy.address.port))
    }

    /// A keep-alive connection made before the reload keeps working after it; new connections get the new
    /// certificate.
    @Test func establishedConnectionSurvivesAndNewConnectionsGetTheNewCertificate() async throws {
        let (files, backend, proxy, port) = try await Self.start()
        defer { files.remove() }
        let established = try await TLSTestClient.connect(port: port)
        #expect(established.peerSubject == "/O=first/CN=a.test")
        #expect(try await established.get().bodyText == "a")

        try await files.writeCertificate(organization: "second")
        let results = proxy.server.reloadTLS()
        #expect(results == [TLSReloadResult(frontend: "web", failure: nil, certificateNames: [["a.test"]])])
        #expect(results.first?.summary == "frontend web: reloaded (a.test)")

        for index in 0..<3 {
            let response = try await established.get("/after-reload-\(index)")
            #expect(response.status == 200)
            #expect(response.bodyText == "a")
        }
        let fresh = try await TLSTestClient.connect(port: port)
        #expect(fresh.peerSubject == "/O=second/CN=a.test")
        #expect(try await fresh.get().status == 200)
        #expect(backend.requests.elements.map(\.uri).filter { $0.hasPrefix("/after-reload-") }.count == 3)
        await proxy.stop()
        await backend.close()
    }

    /// A reload with an unusable certificate file is reported, naming the file, and the old certificate stays
    /// in force for new connections; a later good file is taken.
    @Test(arguments: BadFile.allCases)
    func badCertificateKeepsTheOldOne(bad: BadFile) async throws {
        let (files, backend, proxy, port) = try await Self.start()
        defer { files.remove() }
        switch bad {
        case .garbage:
            let garbage = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"
            try files.replaceCertificate(with: garbage)
        case .keyOfAnotherCertificate:
            let firstKey = try files.contents(of: files.directory + "/first.key")
            try await files.writeCertificate(organization: "second")
            try files.replaceCertificate(with: try files.contents(of: files.directory + "/second.crt") + firstKey)
        case .missing:
            try FileManager.default.removeItem(atPath: files.certificate)
        }
        let results = proxy.server.reloadTLS()
        #expect(results.count == 1)
        let failure = try #require(results.first?.failure, "the reload of a \(bad) file succeeded")
        #expect(failure.hasPrefix(files.certificate + ": "))
        #expect(results.first?.certificateNames == [["a.test"]])
        #expect(results.first?.summary.hasSuffix("; the previous certificates stay in force") == true)

        let client = try await TLSTestClient.connect(port: port)
        #expect(client.peerSubject == "/O=first/CN=a.test")
        #expect(try await client.get().bodyText == "a")

        try await files.writeCertificate(organization: "third")
        #expect(proxy.server.reloadTLS().map(\.succeeded) == [true])
        #expect(try await TLSTestClient.connect(port: port).peerSubject == "/O=third/CN=a.test")
        await proxy.stop()
        await backend.close()
    }

    /// The ticket keys are reloaded too: a ticket resumes while its key is in the file (also after a rotation
    /// that keeps it as an older key) and falls back to a full handshake once the file no longer has it.
    @Test func ticketKeysAreReloaded() async throws {
        let (files, backend, proxy, port) = try await Self.start()
        defer { files.remove() }
        let original = try String(contentsOfFile: files.ticketKeys, encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let first = try await TLSTestClient.connect(port: port)
        #expect(try await first.get().status == 200)
        let session = try #require(first.session())

        let before = try await TLSTestClient.connect(port: port, session: session)
        #expect(before.resumed, "the ticket did not resume before any reload")
        #expect(try await before.get().status == 200)

        try files.writeTicketKeys([TLSTestFiles.randomTicketKey()])
        #expect(proxy.server.reloadTLS().map(\.succeeded) == [true])
        let replaced = try await TLSTestClient.connect(port: port, session: session)
        #expect(!replaced.resumed, "a ticket whose key left the file resumed")
        #expect(try await replaced.get().status == 200)

        try files.writeTicketKeys([TLSTestFiles.randomTicketKey()] + original)
        #expect(proxy.server.reloadTLS().map(\.succeeded) == [true])
        let rotated = try await TLSTestClient.connect(port: port, session: session)
        #expect(rotated.resumed, "a ticket whose key is still in the file (as an older key) did not resume")
        await proxy.stop()
        await backend.close()
    }

    /// A broken ticket-key file is reported like a broken certificate and the old keys stay in force.
    @Test func badTicketKeysKeepTheOldOnes() async throws {
        let (files, backend, proxy, port) = try await Self.start()
        defer { files.remove() }
        let first = try await TLSTestClient.connect(port: port)
        #expect(try await first.get().status == 200)
        let session = try #require(first.session())

        try files.writeTicketKeys(["not base64 at all"])
        let failure = try #require(proxy.server.reloadTLS().first?.failure)
        #expect(failure.hasPrefix(files.ticketKeys + ": line 1"))
        let resumed = try await TLSTestClient.connect(port: port, session: session)
        #expect(resumed.resumed, "the old ticket keys are no longer in force")
        await proxy.stop()
        await backend.close()
    }

    /// A configuration without TLS frontends reloads nothing.
    @Test func plainFrontendsAreSkipped() async throws {
        let backend = try await TestBackend(name: "a")
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [backend.port])])
        #expect(proxy.server.reloadTLS().isEmpty)
        await proxy.stop()
        await backend.close()
    }
}
