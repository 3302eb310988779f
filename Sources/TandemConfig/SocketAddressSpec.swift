/// An IP literal and port from the config, like `198.18.0.1:80` or `[::1]:80`.
///
/// Host names are refused on purpose: a load balancer must not depend on DNS to start or to fail over.
public struct SocketAddressSpec: Sendable, Hashable, CustomStringConvertible {
    /// The address as written, without brackets.
    public var host: String
    public var port: Int
    public var isIPv6: Bool

    public init(host: String, port: Int, isIPv6: Bool) {
        self.host = host
        self.port = port
        self.isIPv6 = isIPv6
    }

    /// Parses `IPv4:port` or `[IPv6]:port`; port 1...65535, or 0...65535 when `allowPortZero` is set.
    public init?(configString: String, allowPortZero: Bool = false) {
        guard let spec = try? Self.parse(configString, allowPortZero: allowPortZero) else {
            return nil
        }
        self = spec
    }

    /// `198.18.0.1:80` or `[::1]:80`, the same form the parser accepts.
    public var description: String {
        isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    static func parse(_ text: String, allowPortZero: Bool) throws(ValueProblem) -> SocketAddressSpec {
        let expected = "expected an address like 198.18.0.1:80 or [::1]:80, got \"\(text)\""
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw ValueProblem(expected)
            }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else {
                throw ValueProblem(expected)
            }
            portText = rest.dropFirst()
            guard IPAddressLiteral.isIPv6(String(host)) else {
                throw ValueProblem("\"\(host)\" is not an IPv6 address")
            }
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw ValueProblem(expected)
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if IPAddressLiteral.isIPv6(String(host)) || IPAddressLiteral.isIPv6(text) {
                throw ValueProblem("an IPv6 address needs brackets, like [::1]:80")
            }
            guard IPAddressLiteral.isIPv4(String(host)) else {
                throw ValueProblem("\"\(host)\" is not an IPv4 or IPv6 address (host names are not allowed)")
            }
        }
        let lowest = allowPortZero ? 0 : 1
        guard !portText.isEmpty, portText.allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(portText),
            (lowest...65535).contains(port)
        else {
            throw ValueProblem("port must be between \(lowest) and 65535, got \"\(portText)\"")
        }
        return SocketAddressSpec(host: String(host), port: port, isIPv6: text.hasPrefix("["))
    }
}
