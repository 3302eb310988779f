import TandemBalancing

/// A request head built from realistic parts and then mutated towards what parsers disagree on.
struct GeneratedHead: Sendable {
    var id: Int
    var method: String
    /// The target as sent, ending in the `tid=N` marker that no mutation touches.
    var target: [UInt8]
    var version: String
    /// Header lines without their CRLF (an obs-fold is a line that starts with SP or HTAB).
    var lines: [[UInt8]]
    /// Which mutations were applied, for failure messages.
    var mutations: [String]

    var bytes: [UInt8] {
        var bytes = Array("\(method) ".utf8) + target + Array(" \(version)\r\n".utf8)
        for line in lines { bytes += line + [13, 10] }
        return bytes + [13, 10]
    }

    /// The request as printable text, for failure messages.
    var text: String { String(decoding: bytes, as: UTF8.self).debugDescription }
}

/// Generates the differential corpus: valid seeds mutated by a hostile alphabet and by structural edits.
struct RequestHeadGenerator {
    static let methods = ["GET", "POST", "HEAD", "DELETE", "OPTIONS", "PURGE"]
    static let paths = ["/", "/a/b", "/search?q=x%20y", "/p%2Fq/r", "/img.png?w=1&h=2", "/~user/%E2%82%AC"]
    static let hosts = ["example.com", "a.example:8080", "localhost", "127.0.0.1:80"]
    static let fields: [(String, [String])] = [
        ("User-Agent", ["curl/8.5.0", "Mozilla/5.0 (X11; Linux x86_64)"]),
        ("Accept", ["*/*", "text/html,application/xhtml+xml;q=0.9"]),
        ("Accept-Language", ["en-US,en;q=0.5"]),
        ("Accept-Encoding", ["gzip, deflate, br"]),
        ("Cookie", ["a=1; b=2", "session=abc"]),
        ("X-Request-Id", ["7f3a9c", "req-42"]),
        ("Cache-Control", ["no-cache", "max-age=0"]),
        ("Authorization", ["Bearer abc.def", "Basic dXNlcjpwYXNz"]),
        ("Referer", ["https://example.com/x?y=1"]),
        ("Content-Type", ["application/json", "text/plain; charset=utf-8"]),
        ("If-None-Match", ["\"etag-1\", W/\"etag-2\""]),
        ("X-Custom", ["a, b", "quoted \"x\""]),
    ]
    /// Bytes that parsers treat differently at some position.
    static let hostile: [UInt8] = [
        0x20, 0x09, 0x0D, 0x0A, 0x00, 0x3A, 0x2C, 0x22, 0x7F, 0x80, 0xFF, 0x23, 0x40, 0x5B,
    ]
    static let framing = [
        "Content-Length: 0", "Content-Length: 00", "Content-Length: 0, 0", "Content-Length:  0 ", "content-length: 0",
        "Transfer-Encoding: chunked", "Transfer-Encoding: identity", "Transfer-Encoding: chunked, identity",
        "Transfer-Encoding: gzip",
    ]
    static let hopByHop = [
        "Connection: close", "Connection: keep-alive", "Connection: X-Custom", "Connection: close, Accept",
        "Keep-Alive: timeout=5", "TE: trailers", "Proxy-Connection: keep-alive", "Trailer: X-Checksum",
    ]

    var random: SplitMix64

    mutating func make(id: Int) -> GeneratedHead {
        let method = pick(Self.methods)
        let path = pick(Self.paths)
        let host = pick(Self.hosts)
        var head = GeneratedHead(
            id: id,
            method: method,
            target: Array(path.utf8),
            version: "HTTP/1.1",
            lines: [Array("Host: \(host)".utf8)],
            mutations: []
        )
        for _ in 0..<Int.random(in: 0...12, using: &random) {
            let (name, values) = pick(Self.fields)
            head.lines.append(Array("\(name): \(pick(values))".utf8))
        }
        head.lines.shuffle(using: &random)
        if method == "POST", Bool.random(using: &random) { head.lines.append(Array("Content-Length: 0".utf8)) }
        for _ in 0..<Int.random(in: 0...3, using: &random) { mutate(&head, host: host) }
        let marker = Array(((head.target.contains(UInt8(ascii: "?")) ? "&" : "?") + "tid=\(id)").utf8)
        head.target += marker
        return head
    }

    private mutating func mutate(_ head: inout GeneratedHead, host: String) {
        switch Int.random(in: 0..<11, using: &random) {
        case 0, 1:
            guard let line = randomLine(head) else { return }
            let byte = pick(Self.hostile)
            let at = Int.random(in: 0...head.lines[line].count, using: &random)
            head.lines[line].insert(byte, at: at)
            head.mutations.append("insert 0x\(String(byte, radix: 16)) into line \(line) at \(at)")
        case 2:
            guard let line = randomLine(head), !head.lines[line].isEmpty else { return }
            let byte = pick(Self.hostile)
            let at = Int.random(in: 0..<head.lines[line].count, using: &random)
            head.lines[line][at] = byte
            head.mutations.append("replace byte \(at) of line \(line) with 0x\(String(byte, radix: 16))")
        case 3:
            let byte = pick(Self.hostile)
            let at = Int.random(in: 1...head.target.count, using: &random)
            head.target.insert(byte, at: at)
            head.mutations.append("insert 0x\(String(byte, radix: 16)) into the target at \(at)")
        case 4:
            guard let line = randomLine(head) else { return }
            if Bool.random(using: &random) {
                head.lines.insert(head.lines[line], at: line)
                head.mutations.append("duplicate line \(line)")
            } else {
                head.lines.remove(at: line)
                head.mutations.append("drop line \(line)")
            }
        case 5:
            guard let line = randomLine(head), let colon = head.lines[line].firstIndex(of: UInt8(ascii: ":")) else {
                return
            }
            let upper = Bool.random(using: &random)
            for index in 0..<colon {
                let byte = head.lines[line][index]
                if upper, (97...122).contains(byte) { head.lines[line][index] = byte - 32 }
                if !upper, (65...90).contains(byte) { head.lines[line][index] = byte + 32 }
            }
            head.mutations.append("\(upper ? "upper" : "lower")-case name of line \(line)")
        case 6:
            let field = pick(Self.framing)
            head.lines.insert(Array(field.utf8), at: Int.random(in: 0...head.lines.count, using: &random))
            head.mutations.append("add \(field)")
        case 7:
            let field = pick(Self.hopByHop)
            head.lines.insert(Array(field.utf8), at: Int.random(in: 0...head.lines.count, using: &random))
            head.mutations.append("add \(field)")
        case 8:
            let fold = Array(pick([" folded", "\tfolded", " Transfer-Encoding: chunked"]).utf8)
            head.lines.insert(fold, at: Int.random(in: 0...head.lines.count, using: &random))
            head.mutations.append("add obs-fold line")
        case 9:
            head.version = pick(["HTTP/1.0", "HTTP/1.2", "HTTP/2.0", "HTTP/1.1"])
            head.mutations.append("version \(head.version)")
        default:
            guard head.target.first == UInt8(ascii: "/") else { return }
            let authority = Bool.random(using: &random) ? host : "other.example"
            head.target = Array("http://\(authority)".utf8) + (head.target == [UInt8(ascii: "/")] ? [] : head.target)
            head.mutations.append("absolute-form with authority \(authority)")
        }
    }

    private mutating func randomLine(_ head: GeneratedHead) -> Int? {
        head.lines.isEmpty ? nil : Int.random(in: 0..<head.lines.count, using: &random)
    }

    private mutating func pick<Element>(_ elements: [Element]) -> Element {
        elements[Int.random(in: 0..<elements.count, using: &random)]
    }
}
