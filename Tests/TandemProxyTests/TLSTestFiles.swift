import Foundation

/// The files of a TLS frontend under test, in a fresh temporary directory: `frontend.pem` (certificate and key
/// for `a.test`, self-signed, rewritten by each `writeCertificate`) and `tickets.key`.
struct TLSTestFiles: Sendable {
    let directory: String
    var certificate: String { directory + "/frontend.pem" }
    var ticketKeys: String { directory + "/tickets.key" }

    /// The frontend's `tls:` line for `TestProxy.start(frontend:)`.
    var frontendLine: String {
        "tls: { certificates: [\"\(certificate)\"], ticket_keys: \"\(ticketKeys)\" }"
    }

    /// A new directory with a certificate whose subject is `/O=first/CN=a.test` and one ticket key.
    static func make() async throws -> TLSTestFiles {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tandem-proxy-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let files = TLSTestFiles(directory: directory)
        try await files.writeCertificate(organization: "first")
        try files.writeTicketKeys([TLSTestFiles.randomTicketKey()])
        return files
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The organizations `writeCertificate` knows: a certificate for each is generated once per test process
    /// (key generation is the expensive part, and the proxy's timing-sensitive tests run alongside).
    static let organizations = ["first", "second", "third"]

    /// Writes the certificate and key for `a.test` with subject `/O=organization/CN=a.test` (one of
    /// `organizations`) as `organization.crt` and `organization.key`, and replaces `certificate` with both.
    func writeCertificate(organization: String) async throws {
        guard let pair = try await Self.generated.value[organization] else {
            throw TLSTestClient.Failure(message: "no test certificate for organization \(organization)")
        }
        try pair.certificate.write(toFile: "\(directory)/\(organization).crt", atomically: true, encoding: .utf8)
        try pair.key.write(toFile: "\(directory)/\(organization).key", atomically: true, encoding: .utf8)
        try replaceCertificate(with: pair.certificate + pair.key)
    }

    /// A self-signed ECDSA certificate and key per organization, as PEM text, made by the `openssl` CLI.
    private static let generated = Task<[String: (certificate: String, key: String)], any Error> {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tandem-proxy-tls-template-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var pairs: [String: (certificate: String, key: String)] = [:]
        for organization in organizations {
            let key = "\(directory)/\(organization).key"
            let crt = "\(directory)/\(organization).crt"
            try await openssl([
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key, "-out", crt, "-days", "30", "-subj", "/O=\(organization)/CN=a.test",
                "-addext", "subjectAltName=DNS:a.test",
            ])
            pairs[organization] = (
                try String(contentsOfFile: crt, encoding: .utf8), try String(contentsOfFile: key, encoding: .utf8)
            )
        }
        return pairs
    }

    /// Replaces `certificate` with `text` (renamed into place, as a deployment tool would).
    func replaceCertificate(with text: String) throws {
        try text.write(toFile: certificate, atomically: true, encoding: .utf8)
    }

    /// The PEM text of a file written by `writeCertificate` (`NAME.crt` or `NAME.key`).
    func contents(of path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
    }

    /// Replaces `ticketKeys` with `keys`, newest first.
    func writeTicketKeys(_ keys: [String]) throws {
        try (keys.joined(separator: "\n") + "\n").write(toFile: ticketKeys, atomically: true, encoding: .utf8)
    }

    /// One ticket key as the file holds it: 80 random bytes in base64.
    static func randomTicketKey() -> String {
        Data((0..<80).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
    }

    private static func openssl(_ arguments: [String]) async throws {
        let output = try await blocking {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: output, as: UTF8.self))
        }
        guard output.0 == 0 else {
            throw TLSTestClient.Failure(message: "openssl \(arguments.joined(separator: " ")): \(output.1)")
        }
    }
}
