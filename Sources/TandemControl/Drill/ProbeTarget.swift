import NIOCore

/// What a drill probes: an `http://HOST[:PORT]/PATH` URL, resolved once.
public struct ProbeTarget: Sendable, CustomStringConvertible {
    public let address: SocketAddress
    /// The `Host` header.
    public let host: String
    public let path: String

    /// Parses `url`; only `http://` is supported (a drill measures the VIP, not TLS).
    /// - Throws: ``ProbeTargetError`` with a sentence for the operator.
    public init(url: String) throws(ProbeTargetError) {
        guard url.hasPrefix("http://") else {
            throw ProbeTargetError("--probe \(url): only http:// URLs are supported")
        }
        let rest = url.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        var hostPart = Substring(authority)
        var port = 80
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw ProbeTargetError("--probe \(url): bad IPv6 literal") }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") {
                guard let value = Int(after.dropFirst()), (1...65535).contains(value) else {
                    throw ProbeTargetError("--probe \(url): bad port")
                }
                port = value
            }
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            guard let value = Int(authority[authority.index(after: colon)...]), (1...65535).contains(value) else {
                throw ProbeTargetError("--probe \(url): bad port")
            }
            port = value
        }
        guard !hostPart.isEmpty else { throw ProbeTargetError("--probe \(url): no host") }
        do {
            self.address = try SocketAddress.makeAddressResolvingHost(String(hostPart), port: port)
        } catch {
            throw ProbeTargetError("--probe \(url): cannot resolve \(hostPart): \(error)")
        }
        self.host = String(authority)
        self.path = path.isEmpty ? "/" : String(path)
    }

    public var description: String { "http://\(host)\(path)" }

    /// The request each probe sends.
    var request: String {
        "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUser-Agent: tandem-drill\r\nConnection: close\r\n\r\n"
    }
}

/// Why a probe URL cannot be used.
public struct ProbeTargetError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
