import Foundation

/// Real TLS clients (`curl`, `openssl s_client`) pointed at a test listener on 127.0.0.1.
struct TLSClients {
    let certificates: TestCertificates

    /// `curl -v --http1.1 https://NAME:PORT/` resolved to 127.0.0.1 and verified against the test CA (the test server
    /// speaks HTTP/1.1 only, so curl offers only `http/1.1` in ALPN).
    func curl(_ name: String, port: Int, extra: [String] = []) async throws -> ExternalCommand.Result {
        try await ExternalCommand.run(
            "/usr/bin/curl",
            [
                "-sS", "-v", "--http1.1", "--max-time", "10", "--resolve", "\(name):\(port):127.0.0.1",
                "--cacert", certificates.caCertificate,
            ] + extra + ["https://\(name):\(port)/"]
        )
    }

    /// `openssl s_client` sending one HTTP request and waiting for the server to close.
    func sClient(_ name: String, port: Int, extra: [String]) async throws -> ExternalCommand.Result {
        let request = certificates.directory + "/request.txt"
        if !FileManager.default.fileExists(atPath: request) {
            try "GET / HTTP/1.1\r\nHost: \(name)\r\n\r\n".write(toFile: request, atomically: true, encoding: .utf8)
        }
        return try await ExternalCommand.run(
            "/usr/bin/openssl",
            [
                "s_client", "-connect", "127.0.0.1:\(port)", "-servername", name, "-CAfile", certificates.caCertificate,
                "-verify_return_error", "-ign_eof",
            ] + extra,
            inputFile: request,
            timeout: .seconds(15)
        )
    }
}
