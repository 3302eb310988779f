import Foundation
import TandemConfig
import TandemTLS
import Testing

@Suite("TLSServerHandler with real clients: SNI, versions, ALPN, reload")
struct TLSHandshakeTests {
    /// curl with two SNI names verifies each against its own certificate (the CA check with the host name fails
    /// on the wrong one); an unknown name gets the default certificate; ALPN picks http/1.1.
    @Test func sniServesEachNameItsCertificate() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let context = try TLSContext(
            settings: TLSSettings(certificates: [certificates.aTest, certificates.wildcardBTest])
        )
        let server = try await TLSTestServer.start(context: context, application: .http)
        let clients = TLSClients(certificates: certificates)

        let a = try await clients.curl("a.test", port: server.port)
        #expect(a.status == 0, "\(a.output)")
        #expect(a.output.contains("subject: CN=a.test"))
        #expect(a.output.contains("sni=a.test\nalpn=http/1.1"))

        let b = try await clients.curl("www.b.test", port: server.port)
        #expect(b.status == 0, "\(b.output)")
        #expect(b.output.contains("subject: CN=*.b.test"))
        #expect(b.output.contains("sni=www.b.test\nalpn=http/1.1"))

        // The wildcard covers one label only: x.y.b.test gets the default certificate, which does not match.
        let twoLabels = try await clients.curl("x.y.b.test", port: server.port)
        #expect(twoLabels.status != 0)
        #expect(twoLabels.output.contains("subject: CN=a.test"))

        // curl checks the host name after the handshake, so the third handshake completed on the server too.
        #expect(context.statistics.handshakes == 3)
        try await server.stop()
    }

    /// TLS 1.2 and 1.3 complete; TLS 1.0 and 1.1 are refused by the server even when the client may offer them.
    @Test func acceptsTLS12And13RefusesOlder() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let context = try TLSContext(
            settings: TLSSettings(certificates: [certificates.aTest, certificates.wildcardBTest])
        )
        let server = try await TLSTestServer.start(context: context, application: .http)
        let clients = TLSClients(certificates: certificates)

        for (flag, version) in [("-tls1_2", "TLSv1.2"), ("-tls1_3", "TLSv1.3")] {
            let result = try await clients.sClient("a.test", port: server.port, extra: [flag])
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("version=\(version)"))
            #expect(result.output.contains("Verify return code: 0 (ok)"))
        }
        for flag in ["-tls1", "-tls1_1"] {
            let result = try await clients.sClient(
                "a.test",
                port: server.port,
                extra: [flag, "-cipher", "DEFAULT@SECLEVEL=0"]
            )
            #expect(result.status != 0)
            #expect(result.output.contains("alert protocol version"), "\(result.output)")
        }
        #expect(context.statistics.handshakes == 2)
        #expect(context.statistics.failures(.badClientHello) == 2)
        try await server.stop()
    }

    /// With `min_version: 1.3` a TLS 1.2 client is refused.
    @Test func minimumVersion13RefusesTLS12() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let context = try TLSContext(settings: TLSSettings(certificates: [certificates.aTest], minimumVersion: .tls13))
        let server = try await TLSTestServer.start(context: context, application: .http)
        let result = try await TLSClients(certificates: certificates).sClient(
            "a.test",
            port: server.port,
            extra: ["-tls1_2"]
        )
        #expect(result.status != 0)
        #expect(result.output.contains("alert protocol version"), "\(result.output)")
        try await server.stop()
    }

    /// A reload with a broken certificate fails and the listener keeps serving the old one; a good reload
    /// serves the new certificate to new connections.
    @Test func reloadOnALiveListener() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let context = try TLSContext(settings: TLSSettings(certificates: [certificates.aTest]))
        let server = try await TLSTestServer.start(context: context, application: .http)
        let clients = TLSClients(certificates: certificates)

        #expect(throws: TLSError.self) {
            try context.reload(settings: TLSSettings(certificates: [certificates.broken]))
        }
        let stillOld = try await clients.curl("a.test", port: server.port)
        #expect(stillOld.status == 0, "\(stillOld.output)")

        try context.reload(settings: TLSSettings(certificates: [certificates.wildcardBTest]))
        let renewed = try await clients.curl("a.test", port: server.port, extra: ["-k"])
        #expect(renewed.output.contains("subject: CN=*.b.test"))
        try await server.stop()
    }

    /// A connection established before a reload keeps working after it, even when its certificate file is gone.
    @Test func reloadKeepsEstablishedConnections() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let context = try TLSContext(settings: TLSSettings(certificates: [certificates.aTest]))
        let server = try await TLSTestServer.start(context: context, application: .echo(closeAfter: 12))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = [
            "s_client", "-connect", "127.0.0.1:\(server.port)", "-servername", "a.test", "-quiet",
            "-CAfile", certificates.caCertificate, "-verify_return_error",
        ]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let watchdog = Task.detached {
            try await Task.sleep(for: .seconds(20))
            process.terminate()
        }
        defer { watchdog.cancel() }
        try input.fileHandleForWriting.write(contentsOf: Data("hello\n".utf8))
        let reader = output.fileHandleForReading
        var echoed = try await blocking {
            var echoed = Data()
            for _ in 0..<100 where !String(decoding: echoed, as: UTF8.self).contains("hello\n") {
                let chunk = reader.availableData
                if chunk.isEmpty {
                    break
                }
                echoed += chunk
            }
            return echoed
        }
        #expect(String(decoding: echoed, as: UTF8.self) == "hello\n")

        try context.reload(settings: TLSSettings(certificates: [certificates.wildcardBTest]))
        try FileManager.default.removeItem(atPath: certificates.aTest)
        try input.fileHandleForWriting.write(contentsOf: Data("world\n".utf8))
        echoed += try await blocking { reader.readDataToEndOfFile() }
        try await blocking { process.waitUntilExit() }
        #expect(String(decoding: echoed, as: UTF8.self) == "hello\nworld\n")
        #expect(context.certificateNames == [["*.b.test"]])
        #expect(context.statistics.failuresByReason.values.reduce(0, +) == 0)
        try await server.stop()
    }
}
