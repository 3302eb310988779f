import TandemConfig
import TandemTLS
import Testing

@Suite("TLSContext: loading, SNI names, validation, reload")
struct TLSContextTests {
    /// Each certificate's SAN DNS names are what SNI matches against, in configuration order.
    @Test func loadsCertificateNamesInOrder() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let context = try TLSContext(
            settings: TLSSettings(certificates: [certificates.aTest, certificates.wildcardBTest])
        )
        #expect(context.certificateNames == [["a.test"], ["*.b.test"]])
    }

    /// A valid config validates clean; one expiring in 5 days gets a warning, not an error.
    @Test func validateWarnsOfExpiryWithin30Days() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let clean = TLSContext.validate(
            TLSSettings(
                certificates: [certificates.aTest, certificates.wildcardBTest],
                ticketKeysPath: certificates.ticketKeys
            )
        )
        #expect(clean == [])
        let soon = TLSContext.validate(TLSSettings(certificates: [certificates.expiringSoon]))
        #expect(soon.count == 1)
        #expect(
            soon.first?.hasPrefix("warning: \(certificates.expiringSoon): the certificate for soon.test expires in")
                == true
        )
    }

    /// A key that does not belong to the certificate, an unparsable certificate, a missing file and a bad ticket
    /// file are each reported with their path.
    @Test func validateReportsEachBadFile() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let missing = certificates.directory + "/missing.pem"
        let problems = TLSContext.validate(
            TLSSettings(
                certificates: [certificates.mismatchedKey, certificates.broken, missing],
                ticketKeysPath: certificates.caCertificate
            )
        )
        #expect(problems.count == 4)
        #expect(problems.contains { $0.hasPrefix(certificates.mismatchedKey) && $0.contains("does not match") })
        #expect(problems.contains { $0.hasPrefix(certificates.broken + ":") })
        #expect(problems.contains { $0.hasPrefix(missing + ":") })
        #expect(problems.contains { $0.hasPrefix(certificates.caCertificate + ": line 1") })
        #expect(throws: TLSError.self) {
            try TLSContext(settings: TLSSettings(certificates: [certificates.mismatchedKey]))
        }
    }

    /// A reload with a broken certificate throws and leaves the old certificates in force; a good one swaps.
    @Test func reloadWithBrokenCertificateKeepsTheOld() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let context = try TLSContext(settings: TLSSettings(certificates: [certificates.aTest]))
        #expect(throws: TLSError.self) {
            try context.reload(settings: TLSSettings(certificates: [certificates.wildcardBTest, certificates.broken]))
        }
        #expect(context.certificateNames == [["a.test"]])
        try context.reload(settings: TLSSettings(certificates: [certificates.wildcardBTest, certificates.aTest]))
        #expect(context.certificateNames == [["*.b.test"], ["a.test"]])
    }
}
