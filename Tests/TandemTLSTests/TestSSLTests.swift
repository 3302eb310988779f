import Foundation
import TandemConfig
import TandemTLS
import Testing

@Suite("testssl.sh against the listener")
struct TestSSLTests {
    static let testssl = "/usr/bin/testssl"

    /// testssl.sh (protocols, cipher categories, renegotiation, compression only: the full run takes minutes)
    /// finds no SSLv2/SSLv3/TLS 1.0/1.1, no NULL/anonymous/export/low/3DES/obsolete ciphers, no client-initiated
    /// renegotiation and no TLS compression.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: testssl), "testssl.sh is not installed"))
    func findsNothingWeak() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let context = try TLSContext(
            settings: TLSSettings(certificates: [certificates.aTest, certificates.wildcardBTest])
        )
        let server = try await TLSTestServer.start(context: context, application: .http)
        let report = certificates.directory + "/testssl.json"
        let result = try await ExternalCommand.run(
            Self.testssl,
            [
                "--quiet", "--color", "0", "--nodns", "none", "--warnings", "off", "--sneaky",
                "-p", "-s", "-R", "-C", "--jsonfile", report, "127.0.0.1:\(server.port)",
            ],
            timeout: .seconds(180)
        )
        try await server.stop()
        let data = try Data(contentsOf: URL(fileURLWithPath: report))
        let entries = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
        var findings: [String: String] = [:]
        for entry in entries {
            if let id = entry["id"] as? String, let finding = entry["finding"] as? String {
                findings[id] = finding
            }
        }
        let notOffered = [
            "SSLv2", "SSLv3", "TLS1", "TLS1_1", "cipherlist_NULL", "cipherlist_aNULL", "cipherlist_EXPORT",
            "cipherlist_LOW", "cipherlist_3DES_IDEA", "cipherlist_AVERAGE",
        ]
        for id in notOffered {
            #expect(
                findings[id]?.hasPrefix("not offered") == true,
                "\(id): \(findings[id] ?? "missing")\n\(result.output)"
            )
        }
        #expect(findings["TLS1_2"]?.hasPrefix("offered") == true)
        #expect(findings["TLS1_3"]?.hasPrefix("offered") == true)
        #expect(findings["cipherlist_STRONG"]?.hasPrefix("offered") == true)
        #expect(findings["secure_renego"]?.hasPrefix("supported") == true, "\(findings["secure_renego"] ?? "missing")")
        #expect(
            findings["secure_client_renego"]?.hasPrefix("not vulnerable") == true,
            "\(findings["secure_client_renego"] ?? "missing")"
        )
        #expect(findings["CRIME_TLS"]?.hasPrefix("not vulnerable") == true, "\(findings["CRIME_TLS"] ?? "missing")")
    }
}
