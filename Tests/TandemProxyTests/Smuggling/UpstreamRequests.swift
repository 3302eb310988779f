/// One request as it appeared on the wire towards the backend: the exact request line and header lines,
/// before any decoder normalised them, so a test can see a duplicate `Content-Length` or a stray
/// `Transfer-Encoding` that a parsed head would merge or that a strict decoder would refuse.
struct UpstreamRequest: Sendable {
    var requestLine: String
    /// Header lines split at the first colon; names exactly as sent, values without surrounding OWS.
    var fields: [(name: String, value: String)]
    /// The body payload (chunk framing removed).
    var body: [UInt8]

    /// Every value of a field (case-insensitive name, compared after trimming nothing: `"a "` is not `"a"`).
    func values(_ name: String) -> [String] {
        fields.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }
}

/// Splits recorded upstream bytes into requests: each head ends at CRLFCRLF, and its body is skipped by
/// its declared framing (chunked when `Transfer-Encoding` is present, else `Content-Length`, else none).
/// Stops at the first thing it cannot frame and returns those bytes as `rest`.
enum UpstreamRequests {
    static func split(_ bytes: [UInt8]) -> (requests: [UpstreamRequest], rest: ArraySlice<UInt8>) {
        var requests: [UpstreamRequest] = []
        var remaining = bytes[...]
        while !remaining.isEmpty {
            guard let headEnd = find([13, 10, 13, 10], in: remaining) else { break }
            let lines = String(decoding: remaining[..<headEnd], as: UTF8.self)
                .split(separator: "\r\n", omittingEmptySubsequences: false)
            var request = UpstreamRequest(requestLine: String(lines.first ?? ""), fields: [], body: [])
            for line in lines.dropFirst() {
                let colon = line.firstIndex(of: ":") ?? line.endIndex
                let value = colon < line.endIndex ? line[line.index(after: colon)...] : ""
                request.fields.append((String(line[..<colon]), String(trimmingSpaceAndTab(value))))
            }
            var body = remaining[(headEnd + 4)...]
            if !request.values("transfer-encoding").isEmpty {
                guard let (payload, after) = dechunk(body) else { break }
                request.body = payload
                body = after
            } else if let declared = request.values("content-length").first.flatMap({ Int($0) }) {
                guard body.count >= declared else { break }
                request.body = Array(body.prefix(declared))
                body = body.dropFirst(declared)
            }
            requests.append(request)
            remaining = body
        }
        return (requests, remaining)
    }

    /// Decodes a chunked body; nil when it is incomplete or malformed.
    private static func dechunk(_ bytes: ArraySlice<UInt8>) -> ([UInt8], ArraySlice<UInt8>)? {
        var payload: [UInt8] = []
        var rest = bytes
        while true {
            guard let lineEnd = find([13, 10], in: rest) else { return nil }
            let sizeText = String(decoding: rest[..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText, radix: 16) else { return nil }
            rest = rest[(lineEnd + 2)...]
            if size == 0 {
                // Trailer fields, then the empty line.
                while let end = find([13, 10], in: rest) {
                    let isEmpty = end == rest.startIndex
                    rest = rest[(end + 2)...]
                    if isEmpty { return (payload, rest) }
                }
                return nil
            }
            guard rest.count >= size + 2 else { return nil }
            payload += rest.prefix(size)
            rest = rest.dropFirst(size)
            guard rest.starts(with: [13, 10]) else { return nil }
            rest = rest.dropFirst(2)
        }
    }

    private static func find(_ needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var index = haystack.startIndex
        while index + needle.count <= haystack.endIndex {
            if haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }

    private static func trimmingSpaceAndTab(_ value: Substring) -> Substring {
        var slice = value
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return slice
    }
}
