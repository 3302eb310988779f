/// Cookie-based session persistence: the cookie names a server by an opaque, stable value.
///
/// The value is a salted stable hash of the backend and server names: identical on both HA nodes
/// and across restarts (so sessions survive a failover), and it reveals no address.
public enum PersistenceCookie {
    private static let salt = Array("tandem-persistence-v1\u{0}".utf8)

    /// Opaque, stable value for (backend, server): 16 lowercase hex characters.
    public static func value(backend: String, server: String) -> String {
        var hash = StableHash.fnv1a(salt)
        hash = StableHash.fnv1a(backend.utf8, state: hash)
        hash = StableHash.fnv1a(CollectionOfOne(0), state: hash)
        hash = StableHash.fnv1a(server.utf8, state: hash)
        let hex = String(StableHash.mix(hash), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Finds `name=value` in one Cookie header value (RFC 6265 `a=b; c=d`) and returns the first
    /// value (surrounding double quotes removed) and the header without any cookie of that name
    /// (nil when nothing remains), so the server never sees the balancer's cookie.
    public static func extract(name: String, from cookieHeader: String) -> (value: String?, remaining: String?) {
        var value: String?
        var removedAny = false
        var kept: [Substring] = []
        for piece in cookieHeader.split(separator: ";") {
            let pair = piece.trimmingOWS()
            guard !pair.isEmpty else { continue }
            let equals = pair.firstIndex(of: "=")
            let pairName = equals.map { pair[..<$0].trimmingOWS() } ?? pair
            guard let equals, pairName == name else {
                kept.append(pair)
                continue
            }
            removedAny = true
            if value == nil {
                var raw = pair[pair.index(after: equals)...].trimmingOWS()
                if raw.count >= 2, raw.first == "\"", raw.last == "\"" {
                    raw = raw.dropFirst().dropLast()
                }
                value = String(raw)
            }
        }
        guard removedAny else {
            // Nothing of ours in it: pass the header on untouched.
            return (nil, cookieHeader[...].trimmingOWS().isEmpty ? nil : cookieHeader)
        }
        return (value, kept.isEmpty ? nil : kept.joined(separator: "; "))
    }

    /// The Set-Cookie header value: `NAME=<value>; Path=/; HttpOnly`, plus `; Secure` when `secure`.
    public static func setCookieHeader(name: String, value: String, secure: Bool) -> String {
        "\(name)=\(value); Path=/; HttpOnly" + (secure ? "; Secure" : "")
    }
}
