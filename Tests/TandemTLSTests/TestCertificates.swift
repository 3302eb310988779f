import Foundation

/// Certificates made at test time with the `openssl` CLI in a fresh temporary directory: a CA, an RSA leaf for
/// `a.test`, an ECDSA leaf for `*.b.test`, one expiring in 5 days, a key that matches nothing, a broken file,
/// and a ticket-key file with two keys.
struct TestCertificates {
    let directory: String
    var caCertificate: String { directory + "/ca.pem" }
    var aTest: String { directory + "/a.test.pem" }
    var wildcardBTest: String { directory + "/b.test.pem" }
    var expiringSoon: String { directory + "/soon.test.pem" }
    var mismatchedKey: String { directory + "/mismatched.pem" }
    var broken: String { directory + "/broken.pem" }
    var ticketKeys: String { directory + "/tickets.key" }
    /// A newer key followed by the keys of `ticketKeys`: a rotation.
    var rotatedTicketKeys: String { directory + "/tickets-rotated.key" }

    /// A fresh directory with its own copy of the files, generated once per test process: the key generation
    /// is the expensive part, and the suites run in parallel with other targets' timing-sensitive tests.
    static func make() async throws -> TestCertificates {
        let files = try await template.value
        let certificates = TestCertificates(directory: newDirectory())
        try FileManager.default.createDirectory(atPath: certificates.directory, withIntermediateDirectories: true)
        for (name, contents) in files {
            try contents.write(to: URL(fileURLWithPath: certificates.directory + "/" + name))
        }
        return certificates
    }

    private static let template = Task<[String: Data], any Error> {
        let generated = TestCertificates(directory: newDirectory())
        try FileManager.default.createDirectory(atPath: generated.directory, withIntermediateDirectories: true)
        defer { generated.remove() }
        try await generated.generate()
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: generated.directory) {
            files[name] = try Data(contentsOf: URL(fileURLWithPath: generated.directory + "/" + name))
        }
        return files
    }

    private static func newDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("tandem-tls-\(UUID().uuidString)").path
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func openssl(_ arguments: [String]) async throws {
        let result = try await ExternalCommand.run("/usr/bin/openssl", arguments)
        guard result.status == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: result.output])
        }
    }

    private func generate() async throws {
        let d = directory
        try await openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "\(d)/ca.key", "-out", "\(d)/ca.pem", "-days", "365", "-subj", "/CN=Tandem Test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
        try await leaf(name: "a.test", file: "a.test", key: ["-newkey", "rsa:2048"], days: 90)
        try await leaf(
            name: "*.b.test",
            file: "b.test",
            key: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"],
            days: 90
        )
        try await leaf(
            name: "soon.test",
            file: "soon.test",
            key: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"],
            days: 5
        )
        let aCertificate = try String(contentsOfFile: "\(d)/a.test.crt", encoding: .utf8)
        let bKey = try String(contentsOfFile: "\(d)/b.test.key", encoding: .utf8)
        try (aCertificate + bKey).write(toFile: mismatchedKey, atomically: true, encoding: .utf8)
        try "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"
            .write(toFile: broken, atomically: true, encoding: .utf8)
        let keys = (0..<3).map { _ in Data((0..<80).map { _ in UInt8.random(in: 0...255) }).base64EncodedString() }
        try "# newest first\n\(keys[1])\n\(keys[2])\n".write(toFile: ticketKeys, atomically: true, encoding: .utf8)
        try "\(keys[0])\n\(keys[1])\n\(keys[2])\n".write(toFile: rotatedTicketKeys, atomically: true, encoding: .utf8)
    }

    /// A leaf signed by the CA, written as `file.pem` = certificate followed by its key.
    private func leaf(name: String, file: String, key: [String], days: Int) async throws {
        let d = directory
        try await openssl(
            ["req", "-new"] + key + [
                "-nodes", "-keyout", "\(d)/\(file).key", "-out", "\(d)/\(file).csr", "-subj", "/CN=\(name)",
                "-addext", "subjectAltName=DNS:\(name)",
            ]
        )
        try await openssl([
            "x509", "-req", "-in", "\(d)/\(file).csr", "-CA", "\(d)/ca.pem", "-CAkey", "\(d)/ca.key",
            "-CAcreateserial", "-days", "\(days)", "-copy_extensions", "copy", "-out", "\(d)/\(file).crt",
        ])
        let certificate = try String(contentsOfFile: "\(d)/\(file).crt", encoding: .utf8)
        let privateKey = try String(contentsOfFile: "\(d)/\(file).key", encoding: .utf8)
        try (certificate + privateKey).write(toFile: "\(d)/\(file).pem", atomically: true, encoding: .utf8)
    }
}
