import NIOHTTP1

extension HTTPHeaders {
    /// Header fields that describe one connection and never cross a proxy (RFC 9110 §7.6.1).
    static let hopByHopNames: [String] = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
        "proxy-authenticate", "proxy-authorization",
    ]

    /// Removes the hop-by-hop fields, including every field that `Connection` names.
    mutating func removeHopByHop() {
        for value in self["connection"] {
            for token in value.split(separator: ",") {
                let name = trimmingOWS(token)
                if !name.isEmpty { self.remove(name: String(name)) }
            }
        }
        for name in Self.hopByHopNames where self.contains(name: name) {
            self.remove(name: name)
        }
    }

    /// Appends the client to `X-Forwarded-For` and sets `X-Forwarded-Proto` and `X-Forwarded-Host`.
    mutating func addForwardingFields(clientIP: String?, scheme: String, host: String?) {
        if let clientIP {
            let existing = self["x-forwarded-for"]
            if !existing.isEmpty {
                // Several lines form one list (RFC 9110 §5.3): keep every hop, in order.
                self.replaceOrAdd(name: "X-Forwarded-For", value: (existing + [clientIP]).joined(separator: ", "))
            } else {
                self.add(name: "X-Forwarded-For", value: clientIP)
            }
        }
        self.replaceOrAdd(name: "X-Forwarded-Proto", value: scheme)
        if let host { self.replaceOrAdd(name: "X-Forwarded-Host", value: host) }
    }
}

/// A field value without the optional whitespace (spaces and tabs) around it.
func trimmingOWS(_ value: Substring) -> Substring {
    var slice = value
    while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
    while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
    return slice
}
