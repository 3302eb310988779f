import Testing

@testable import TandemConfig

/// Socket addresses and CIDRs are IP literals checked by inet_pton, with ports and prefixes in range.
@Suite struct AddressSpecTests {
    @Test(arguments: [
        ("198.18.0.1:80", "198.18.0.1", 80, false),
        ("127.0.0.1:65535", "127.0.0.1", 65535, false),
        ("[::1]:80", "::1", 80, true),
        ("[::]:443", "::", 443, true),
        ("[::ffff:198.18.0.1]:8080", "::ffff:198.18.0.1", 8080, true),
        ("[fe80::1:2:3:4]:1", "fe80::1:2:3:4", 1, true),
        ("[2001:2::100]:80", "2001:2::100", 80, true),
    ])
    func socketAddressAccepts(text: String, host: String, port: Int, isIPv6: Bool) throws {
        let spec = try #require(SocketAddressSpec(configString: text))
        #expect(spec == SocketAddressSpec(host: host, port: port, isIPv6: isIPv6))
        #expect(spec.description == text)
    }

    @Test(arguments: [
        "198.18.0.1", "198.18.0.1:", "198.18.0.1:0", "198.18.0.1:65536", "198.18.0.256:80", "localhost:80",
        "::1:80", "[::1]", "[::1]80", "[198.18.0.1]:80", "[::1:80", "198.18.0.1:8a", "198.18.0.1:-1", ":80", "",
        "[::1%lo]:80",
    ])
    func socketAddressRejects(text: String) {
        #expect(SocketAddressSpec(configString: text) == nil)
    }

    @Test func portZeroOnlyWhenAllowed() {
        #expect(SocketAddressSpec(configString: "[::1]:0") == nil)
        #expect(SocketAddressSpec(configString: "[::1]:0", allowPortZero: true)?.port == 0)
    }

    @Test func ipv6WithoutBracketsNamesTheFix() {
        #expect(throws: ValueProblem("an IPv6 address needs brackets, like [::1]:80")) {
            try SocketAddressSpec.parse("::1:80", allowPortZero: false)
        }
    }

    @Test(arguments: [
        ("198.18.0.100/24", "198.18.0.100", 24, false),
        ("198.18.0.0/0", "198.18.0.0", 0, false),
        ("198.18.0.1/32", "198.18.0.1", 32, false),
        ("::1/128", "::1", 128, true),
        ("::ffff:198.18.0.1/96", "::ffff:198.18.0.1", 96, true),
        ("2001:2::100/64", "2001:2::100", 64, true),
    ])
    func cidrAccepts(text: String, address: String, prefix: Int, isIPv6: Bool) throws {
        let spec = try #require(CIDRSpec(configString: text))
        #expect(spec == CIDRSpec(address: address, prefixLength: prefix, isIPv6: isIPv6))
        #expect(spec.description == text)
    }

    @Test(arguments: [
        "198.18.0.100", "198.18.0.100/33", "::1/129", "198.18.0.100/", "/24", "198.18.0/24", "a/24", "198.18.0.1/2/3",
        "198.18.0.1/-1",
    ])
    func cidrRejects(text: String) {
        #expect(CIDRSpec(configString: text) == nil)
    }
}
