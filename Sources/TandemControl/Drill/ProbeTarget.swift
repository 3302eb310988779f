import NIOCore

/// What a drill or `tandem probe` probes, resolved once: an `http://HOST[:PORT]/PATH` URL (a GET, answered below 500), or a
/// `tcp://HOST:PORT` layer-4 service (a connect and one byte back: the server's banner, or the echo of a line the
/// probe sends).
public struct ProbeTarget: Sendable, CustomStringConvertible {
    public let address: SocketAddress
    /// The `Host` header (HTTP), or the authority as given (TCP).
    public let host: String
    public let path: String
    /// A layer-4 probe: success is the first byte from the server, not a status line.
    public let isTCP: Bool

    /// Parses `url`: `http://` or `tcp://` (a probe measures the VIP, not TLS).
    /// - Throws: ``ProbeTargetError`` with a sentence for the operator.
    public init(url: String) throws(ProbeTargetError) {
        let scheme: String
        if url.hasPrefix("http://") {
            scheme = "http://"
        } else if url.hasPrefix("tcp://") {
            scheme = "tcp://"
        } else {
            throw ProbeTargetError("\(url): only http:// and tcp:// URLs are supported")
        }
        isTCP = scheme == "tcp://"
        let rest = url.dropFirst(scheme.count)
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        var hostPart = Substring(authority)
        var port = isTCP ? 0 : 80
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw ProbeTargetError("\(url): bad IPv6 literal")
            }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") {
                guard let value = Int(after.dropFirst()), (1...65535).contains(value) else {
                    throw ProbeTargetError("\(url): bad port")
                }
                port = value
            }
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            guard let value = Int(authority[authority.index(after: colon)...]), (1...65535).contains(value) else {
                throw ProbeTargetError("\(url): bad port")
            }
            port = value
        }
        guard !hostPart.isEmpty else { throw ProbeTargetError("\(url): no host") }
        if isTCP, port == 0 { throw ProbeTargetError("\(url): a tcp:// probe needs a port") }
        do {
            self.address = try SocketAddress.makeAddressResolvingHost(String(hostPart), port: port)
        } catch {
            throw ProbeTargetError("\(url): cannot resolve \(hostPart): \(error)")
        }
        self.host = String(authority)
        self.path = path.isEmpty ? "/" : String(path)
    }

    public var description: String { isTCP ? "tcp://\(host)" : "http://\(host)\(path)" }

    /// What each probe sends: a GET, or a line an echo server sends back (a banner server speaks first anyway).
    var request: String {
        if isTCP { return "tandem-drill\r\n" }
        return "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUser-Agent: tandem-drill\r\nConnection: close\r\n\r\n"
    }
}

/// Why a probe URL cannot be used.
public struct ProbeTargetError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
