import TandemConfig
import TandemTLS
import Testing

@Suite("Session tickets: resumption, failover between nodes, key rotation")
struct TLSResumptionTests {
    /// `-sess_out` then `-sess_in` against the same listener resumes, for TLS 1.2 and 1.3.
    @Test(arguments: ["-tls1_2", "-tls1_3"])
    func resumesOnTheSameListener(version: String) async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let context = try TLSContext(settings: TLSSettings(certificates: [certificates.aTest]))
        let server = try await TLSTestServer.start(context: context, application: .http)
        try await expectResumption(certificates, version: version, first: server.port, second: server.port)
        #expect(context.statistics.handshakes == 2)
        #expect(context.statistics.resumedHandshakes == 1)
        try await server.stop()
    }

    /// The failover guarantee: a ticket issued by one node (one TLSContext) resumes on the other, built from the
    /// same `ticket_keys` file — and on a node whose file has since gained a newer key (rotation).
    @Test(arguments: ["-tls1_2", "-tls1_3"])
    func resumesAcrossContextsSharingTicketKeys(version: String) async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let nodeA = try TLSContext(
            settings: TLSSettings(certificates: [certificates.aTest], ticketKeysPath: certificates.ticketKeys)
        )
        let nodeB = try TLSContext(
            settings: TLSSettings(certificates: [certificates.aTest], ticketKeysPath: certificates.ticketKeys)
        )
        let rotated = try TLSContext(
            settings: TLSSettings(certificates: [certificates.aTest], ticketKeysPath: certificates.rotatedTicketKeys)
        )
        let serverA = try await TLSTestServer.start(context: nodeA, application: .http)
        let serverB = try await TLSTestServer.start(context: nodeB, application: .http)
        let serverRotated = try await TLSTestServer.start(context: rotated, application: .http)
        try await expectResumption(certificates, version: version, first: serverA.port, second: serverB.port)
        try await expectResumption(certificates, version: version, first: serverA.port, second: serverRotated.port)
        #expect(nodeB.statistics.resumedHandshakes == 1)
        #expect(rotated.statistics.resumedHandshakes == 1)
        try await serverA.stop()
        try await serverB.stop()
        try await serverRotated.stop()
    }

    /// Contexts with different ticket keys (random per process) do not resume each other's tickets: a full
    /// handshake, not a failure.
    @Test func differentKeysFallBackToAFullHandshake() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let nodeA = try TLSContext(settings: TLSSettings(certificates: [certificates.aTest]))
        let nodeB = try TLSContext(settings: TLSSettings(certificates: [certificates.aTest]))
        let serverA = try await TLSTestServer.start(context: nodeA, application: .http)
        let serverB = try await TLSTestServer.start(context: nodeB, application: .http)
        let clients = TLSClients(certificates: certificates)
        let session = certificates.directory + "/session-random.pem"
        let first = try await clients.sClient("a.test", port: serverA.port, extra: ["-tls1_3", "-sess_out", session])
        #expect(first.status == 0, "\(first.output)")
        let second = try await clients.sClient("a.test", port: serverB.port, extra: ["-tls1_3", "-sess_in", session])
        #expect(second.status == 0, "\(second.output)")
        #expect(second.output.contains("New, TLSv1.3"))
        #expect(nodeB.statistics.handshakes == 1)
        #expect(nodeB.statistics.resumedHandshakes == 0)
        try await serverA.stop()
        try await serverB.stop()
    }

    private func expectResumption(
        _ certificates: TestCertificates,
        version: String,
        first: Int,
        second: Int
    ) async throws {
        let clients = TLSClients(certificates: certificates)
        let session = certificates.directory + "/session\(version)-\(first)-\(second).pem"
        let issued = try await clients.sClient("a.test", port: first, extra: [version, "-sess_out", session])
        #expect(issued.status == 0, "\(issued.output)")
        #expect(issued.output.contains("resumed=false"))
        let resumed = try await clients.sClient("a.test", port: second, extra: [version, "-sess_in", session])
        #expect(resumed.status == 0, "\(resumed.output)")
        #expect(resumed.output.contains("Reused, TLSv1."), "\(resumed.output)")
        #expect(resumed.output.contains("resumed=true"))
    }
}
