import Testing

@testable import TandemNetlink

@Suite struct VIPAllowRuleTests {
    /// Parsing keeps the host bits and the prefix and prints back the same text.
    @Test(arguments: ["198.18.0.100/24", "198.18.0.0/15", "2001:db8::100/64", "198.18.7.7/32"])
    func vipRoundTrip(text: String) throws {
        let vip = try #require(VIP(parsing: text))
        #expect(vip.description == text)
    }

    /// No prefix, a prefix too long for the family, junk: all refused.
    @Test(arguments: ["198.18.0.100", "198.18.0.100/33", "2001:db8::1/129", "eth0/24", "198.18.0.100/+4", "/24", ""])
    func vipRejects(text: String) {
        #expect(VIP(parsing: text) == nil)
    }

    /// `CIDR@IFACE` parsing and its failures.
    @Test func ruleParsing() throws {
        let rule = try #require(VIPAllowRule(parsing: "198.18.0.100/24@eth0"))
        #expect(rule.interface == "eth0")
        #expect(rule.description == "198.18.0.100/24@eth0")
        for bad in [
            "198.18.0.100/24", "198.18.0.100/24@", "198.18.0.100@eth0", "198.18.0.100/24@a@b",
            "198.18.0.100/24@averyveryverylongname",
        ] {
            #expect(VIPAllowRule(parsing: bad) == nil, "\(bad)")
        }
    }

    /// A host entry allows exactly that address and prefix on that interface.
    @Test func hostEntryIsExact() throws {
        let rule = try #require(VIPAllowRule(parsing: "198.18.0.100/24@eth0"))
        #expect(rule.permits(VIP(parsing: "198.18.0.100/24")!, on: "eth0"))
        #expect(!rule.permits(VIP(parsing: "198.18.0.100/24")!, on: "eth1"))
        #expect(!rule.permits(VIP(parsing: "198.18.0.100/25")!, on: "eth0"))
        #expect(!rule.permits(VIP(parsing: "198.18.0.200/24")!, on: "eth0"))
    }

    /// A network entry allows any address inside it with the same prefix length, nothing outside.
    @Test func networkEntryAllowsItsAddresses() throws {
        let rule = try #require(VIPAllowRule(parsing: "198.18.4.0/22@eth0"))
        #expect(rule.permits(VIP(parsing: "198.18.5.100/22")!, on: "eth0"))
        #expect(rule.permits(VIP(parsing: "198.18.7.255/22")!, on: "eth0"))
        #expect(!rule.permits(VIP(parsing: "198.18.8.1/22")!, on: "eth0"))
        #expect(!rule.permits(VIP(parsing: "198.18.5.100/32")!, on: "eth0"))
        let v6 = try #require(VIPAllowRule(parsing: "2001:db8:1::/64@eth0"))
        #expect(v6.permits(VIP(parsing: "2001:db8:1::abcd/64")!, on: "eth0"))
        #expect(!v6.permits(VIP(parsing: "2001:db8:2::abcd/64")!, on: "eth0"))
        #expect(!rule.permits(VIP(parsing: "2001:db8::/22")!, on: "eth0"), "another family never matches")
    }
}
