/// An HTTP/1.1 response as a raw client saw it.
struct RawResponse: Sendable {
    var status: Int
    /// Header fields in order, names as sent.
    var headers: [(name: String, value: String)]
    /// The body, unless the reader was asked only to count it.
    var body: [UInt8]
    var bodyCount: Int
    /// Whether the body was shorter than its `Content-Length` because the connection closed.
    var truncated: Bool

    var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The first value of a header field (case-insensitive name).
    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Whether `Connection` lists `close`.
    var closesConnection: Bool {
        header("connection")?.lowercased().split(separator: ",").contains { $0.trimmingSpaces == "close" } ?? false
    }

    /// Parses a status line and header block (without the blank line that ends it).
    static func parseHead(_ bytes: ArraySlice<UInt8>) -> RawResponse? {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
        guard let statusLine = lines.first else { return nil }
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else { return nil }
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...].trimmingSpaces)))
        }
        return RawResponse(status: status, headers: headers, body: [], bodyCount: 0, truncated: false)
    }
}
