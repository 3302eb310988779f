import Foundation
import Testing

@Suite("Linkage")
struct LinkageTests {
    /// The code under test links the distribution's libssl 3 (security updates come from the system).
    @Test func linksSystemLibssl3() async throws {
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let ldd = try await ExternalCommand.run("/usr/bin/ldd", [executable])
        #expect(ldd.status == 0)
        #expect(ldd.output.contains("libssl.so.3 => /"), "\(ldd.output)")
        #expect(ldd.output.contains("libcrypto.so.3 => /"))
    }
}
