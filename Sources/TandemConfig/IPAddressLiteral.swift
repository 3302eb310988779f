#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks IP address literals with `inet_pton`, the same parser the data plane's socket calls use, so a
/// config that validates here binds and connects there.
enum IPAddressLiteral {
    /// True when `text` is a dotted-quad IPv4 address.
    static func isIPv4(_ text: String) -> Bool {
        var address = in_addr()
        return inet_pton(AF_INET, text, &address) == 1
    }

    /// True when `text` is an IPv6 address (no brackets, no zone).
    static func isIPv6(_ text: String) -> Bool {
        var address = in6_addr()
        return inet_pton(AF_INET6, text, &address) == 1
    }

    /// The address family of `text`: false for IPv4, true for IPv6, nil when it is neither.
    static func family(of text: String) -> Bool? {
        if isIPv4(text) {
            return false
        }
        if isIPv6(text) {
            return true
        }
        return nil
    }
}
