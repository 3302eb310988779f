import Testing

@testable import TandemControl

#if canImport(Glibc)
import Glibc
#endif

/// The unprivileged gateway probe against loopback.
@Suite struct GatewayProbeTests {
    /// A refused TCP connection proves the host is there: port 9 on loopback has no listener.
    @Test func refusedConnectCountsAsReachable() {
        #expect(GatewayProbe.tcpConnect(address: "127.0.0.1", isIPv6: false, port: 9, timeout: .milliseconds(500)))
    }

    /// The probe as the tracker runs it answers true for loopback, by ICMP where allowed, else TCP.
    @Test func loopbackIsReachable() {
        let (reachable, method) = GatewayProbe.probe(
            address: "127.0.0.1",
            isIPv6: false,
            timeout: .milliseconds(500),
            sequence: 7
        )
        #expect(reachable)
        let icmpAllowed =
            GatewayProbe.icmpEcho(address: "127.0.0.1", isIPv6: false, timeout: .milliseconds(500), sequence: 8) != nil
        #expect(method == (icmpAllowed ? .icmp : .tcp))
    }
}
