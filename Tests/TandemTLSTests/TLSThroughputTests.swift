import Foundation
import TandemConfig
import TandemTLS
import Testing

@Suite("Bulk data over TLS")
struct TLSThroughputTests {
    /// 64 MiB sent by `openssl s_client` come back byte for byte through the echo server; the server then closes
    /// with close_notify.
    @Test func echoes64MiB() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let size = 64 * 1024 * 1024
        let input = certificates.directory + "/payload.bin"
        let output = certificates.directory + "/echoed.bin"
        try writePayload(to: input, size: size)
        let context = try TLSContext(settings: TLSSettings(certificates: [certificates.aTest]))
        let server = try await TLSTestServer.start(context: context, application: .echo(closeAfter: size))
        let result = try await ExternalCommand.run(
            "/usr/bin/openssl",
            [
                "s_client", "-connect", "127.0.0.1:\(server.port)", "-servername", "a.test", "-quiet",
                "-CAfile", certificates.caCertificate, "-verify_return_error",
            ],
            inputFile: input,
            outputFile: output,
            timeout: .seconds(120)
        )
        let echoedSize = try FileManager.default.attributesOfItem(atPath: output)[.size] as? Int
        #expect(echoedSize == size, "\(result.output)")
        let comparison = try await ExternalCommand.run("/usr/bin/cmp", [input, output])
        #expect(comparison.status == 0, "\(comparison.output)")
        #expect(context.statistics.failuresByReason.values.reduce(0, +) == 0)
        try await server.stop()
    }

    /// Writes `size` bytes, each 8-byte word its own offset, in 1 MiB pieces: the test process never holds the
    /// body (other suites in the same process measure their memory growth).
    private func writePayload(to path: String, size: Int) throws {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let file = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? file.close() }
        let piece = 1024 * 1024
        for start in stride(from: 0, to: size, by: piece) {
            var data = Data(count: piece)
            data.withUnsafeMutableBytes { bytes in
                for offset in stride(from: 0, to: piece, by: 8) {
                    bytes.storeBytes(of: UInt64(start + offset).bigEndian, toByteOffset: offset, as: UInt64.self)
                }
            }
            try file.write(contentsOf: data)
        }
    }
}
