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
        var payload = Data(count: size)
        payload.withUnsafeMutableBytes { bytes in
            for index in stride(from: 0, to: size, by: 8) {
                bytes.storeBytes(of: UInt64(index).bigEndian, toByteOffset: index, as: UInt64.self)
            }
        }
        let input = certificates.directory + "/payload.bin"
        let output = certificates.directory + "/echoed.bin"
        try payload.write(to: URL(fileURLWithPath: input))
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
        let echoed = try Data(contentsOf: URL(fileURLWithPath: output))
        #expect(echoed.count == size, "\(result.output)")
        #expect(echoed == payload)
        #expect(context.statistics.failuresByReason.values.reduce(0, +) == 0)
        try await server.stop()
    }
}
