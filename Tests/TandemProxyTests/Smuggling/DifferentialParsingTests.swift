import NIOHTTP1
import Synchronization
import TandemBalancing
import Testing

/// Sends thousands of mutated request heads both to NIO's llhttp decoder (the reference) and through Tandem,
/// and checks that Tandem never forwards what llhttp refuses and that whatever it forwards means exactly what
/// llhttp understood. Tandem may be stricter; that is counted, not failed.
@Suite("Differential parsing", .timeLimit(.minutes(1)))
struct DifferentialParsingTests {
    static let seed: UInt64 = 0x5EED_7A4D_E3_2026
    static let headCount = 3000
    static let inFlight = 16
    static let refusals: Set<Int> = [400, 405, 414, 431, 501]
    /// Fields a proxy must not forward, besides those `Connection` names.
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
        "proxy-authenticate", "proxy-authorization",
    ]
    /// Fields the proxy owns or reframes: ignored on both sides.
    static let proxyOwned: Set<String> = ["content-length", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"]

    /// What happened to one head on its way through Tandem.
    struct Outcome: Sendable {
        var head: GeneratedHead
        var status: Int?
    }

    @Test func tandemNeverAcceptsWhatLLHTTPRefuses() async throws {
        var generator = RequestHeadGenerator(random: SplitMix64(seed: Self.seed))
        let heads = (0..<Self.headCount).map { generator.make(id: $0) }
        var verdicts: [Int: LLHTTPOracle.Verdict] = [:]
        var sendable: [GeneratedHead] = []
        var skipped = 0
        for head in heads {
            let verdict = LLHTTPOracle.decode(head.bytes)
            verdicts[head.id] = verdict
            switch verdict {
            case .accepted, .rejected: sendable.append(head)
            case .incomplete, .split: skipped += 1
            }
        }

        let backend = try await RecordingBackend()
        let proxy = try await TestProxy.start(backends: [BackendSpec(ports: [backend.port])])
        let outcomes = await Self.send(sendable, through: proxy)
        await proxy.stop()
        var forwarded: [Int: [RecordedRequest]] = [:]
        for request in backend.requestHeads {
            if let id = Self.marker(in: request.uri) { forwarded[id, default: []].append(request) }
        }
        await backend.shutDown()

        var failures: [String] = []
        var stricter: [String] = []
        var accepted = 0
        for outcome in outcomes {
            let head = outcome.head
            let seen = forwarded[head.id] ?? []
            let answer = outcome.status.map(String.init) ?? "no answer"
            let context = "head \(head.id) \(head.mutations) \(head.text) → \(answer)"
            switch verdicts[head.id] {
            case .rejected(let error):
                if !seen.isEmpty { failures.append("forwarded although llhttp refused it (\(error)): \(context)") }
                if !(outcome.status.map(Self.refusals.contains) ?? false) {
                    failures.append("no 4xx/501 although llhttp refused it (\(error)): \(context)")
                }
            case .accepted(let reference, _):
                accepted += 1
                if seen.isEmpty {
                    if let status = outcome.status, Self.refusals.contains(status) {
                        stricter.append(context)
                    } else {
                        failures.append("neither forwarded nor refused: \(context)")
                    }
                } else if seen.count > 1 {
                    failures.append("forwarded \(seen.count) times: \(context)")
                } else if let mismatch = Self.mismatch(reference: reference, original: head, forwarded: seen[0]) {
                    failures.append("\(mismatch): \(context)")
                }
            default:
                break
            }
        }
        let forwardedCount = outcomes.count { !(forwarded[$0.head.id] ?? []).isEmpty }
        print(
            """
            Differential parsing (seed 0x\(String(Self.seed, radix: 16))): generated \(heads.count), \
            llhttp accepted \(accepted), skipped (incomplete or pipelined) \(skipped), sent \(outcomes.count), \
            Tandem forwarded \(forwardedCount), Tandem stricter \(stricter.count), failures \(failures.count)
            """
        )
        for example in stricter.prefix(5) { print("  stricter: \(example)") }
        let kinds = Dictionary(grouping: failures) { $0.prefix { $0 != "," && $0 != ":" } }.mapValues(\.count)
        for (kind, count) in kinds.sorted(by: { $0.value > $1.value }) { print("  failure kind \(count)× \(kind)") }
        #expect(
            failures.isEmpty,
            "seed 0x\(String(Self.seed, radix: 16)): \(failures.count) failures, first: \(failures.prefix(8))"
        )
    }

    // MARK: Sending

    /// Each head on its own connection, at most `inFlight` at once; the status of the first response, if any.
    static func send(_ heads: [GeneratedHead], through proxy: TestProxy) async -> [Outcome] {
        await withTaskGroup(of: Outcome.self) { group in
            var outcomes: [Outcome] = []
            var pending = heads[...]
            for _ in 0..<inFlight {
                guard let head = pending.popFirst() else { break }
                group.addTask { await send(head, through: proxy) }
            }
            while let outcome = await group.next() {
                outcomes.append(outcome)
                if let head = pending.popFirst() { group.addTask { await send(head, through: proxy) } }
            }
            return outcomes
        }
    }

    static func send(_ head: GeneratedHead, through proxy: TestProxy) async -> Outcome {
        guard let client = try? await proxy.connect() else { return Outcome(head: head, status: nil) }
        try? await client.send(client.channel.allocator.buffer(bytes: head.bytes))
        let response = try? await client.readResponse(timeout: .seconds(2), toHead: head.method == "HEAD")
        await client.close()
        return Outcome(head: head, status: response?.status)
    }

    // MARK: Comparing

    /// The `N` of the last `tid=N` in a target.
    static func marker(in uri: String) -> Int? {
        guard let range = uri.range(of: "tid=", options: .backwards) else { return nil }
        return Int(uri[range.upperBound...].prefix { $0.isASCII && $0.isNumber })
    }

    /// Why the forwarded request does not mean what llhttp read, or nil when it does.
    static func mismatch(reference: HTTPRequestHead, original: GeneratedHead, forwarded: RecordedRequest) -> String? {
        if forwarded.method != reference.method.rawValue || forwarded.method != original.method {
            return "method \(forwarded.method), llhttp read \(reference.method.rawValue)"
        }
        var expectedTarget = reference.uri
        var authority: String?
        if let scheme = ["http://", "https://"].first(where: { reference.uri.lowercased().hasPrefix($0) }) {
            let rest = reference.uri.dropFirst(scheme.count)
            let pathStart = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
            authority = String(rest[..<pathStart])
            let path = rest[pathStart...]
            expectedTarget = path.hasPrefix("/") ? String(path) : "/" + path
        }
        if forwarded.uri != expectedTarget { return "target \(forwarded.uri), expected \(expectedTarget)" }
        if let authority, forwarded.values("host") != [authority] {
            return "Host \(forwarded.values("host")), expected [\(authority)]"
        }
        let expected = expectedFields(reference.headers.map { ($0.name, $0.value) }, dropHost: authority != nil)
        // Only the proxy's own fields are ignored upstream: a forwarded hop-by-hop field is a mismatch.
        let actual = forwarded.headers.filter {
            !proxyOwned.contains($0.name.lowercased()) && !(authority != nil && $0.name.lowercased() == "host")
        }
        let same =
            expected.count == actual.count
            && zip(expected, actual).allSatisfy {
                // A field value excludes the whitespace around it (RFC 9110 §5.5); llhttp keeps a trailing tab.
                $0.name.lowercased() == $1.name.lowercased()
                    && $0.value[...].trimmingCharacters(in: " \t") == $1.value[...].trimmingCharacters(in: " \t")
            }
        return same ? nil : "headers \(actual), expected \(expected)"
    }

    /// The client's fields without hop-by-hop fields, fields `Connection` names, and fields the proxy owns.
    static func expectedFields(
        _ headers: [(name: String, value: String)],
        dropHost: Bool
    ) -> [(name: String, value: String)] {
        var dropped = hopByHop.union(proxyOwned)
        for (name, value) in headers where name.lowercased() == "connection" {
            for token in value.split(separator: ",") {
                dropped.insert(token.trimmingCharacters(in: " \t").lowercased())
            }
        }
        if dropHost { dropped.insert("host") }
        return headers.filter { !dropped.contains($0.name.lowercased()) }
    }
}

extension Substring {
    /// The slice without leading and trailing characters from `characters`.
    fileprivate func trimmingCharacters(in characters: String) -> String {
        String(drop { characters.contains($0) }.reversed().drop { characters.contains($0) }.reversed())
    }
}
