import Foundation
import NIOCore
import NIOEmbedded
import NIOHTTP1
import TandemBalancing
import Testing

@testable import TandemProxy

/// The byte-level parsers against NIO's llhttp decoder, without any network: whatever llhttp refuses, they must
/// refuse; whatever they accept must mean exactly what llhttp understood. Being stricter is counted and printed,
/// never failed.
@Suite("HTTP1 differential", .timeLimit(.minutes(2)))
struct HTTP1DifferentialTests {
    static let seed: UInt64 = 0x4854_5450_312D_2026
    static let headCount = 20_000
    static let bodyCount = 5_000
    static let limits = HTTP1RequestHeadParserTests.limits

    @Test func headsNeverAcceptWhatLLHTTPRefuses() {
        var generator = RequestHeadGenerator(random: SplitMix64(seed: Self.seed))
        var failures: [String] = []
        var stricter: [String: Int] = [:]
        var bothAccept = 0
        var bothRefuse = 0
        var undecided = 0
        for id in 0..<Self.headCount {
            let head = generator.make(id: id)
            var verdict = LLHTTPOracle.decode(head.bytes)
            if case .incomplete = verdict { verdict = LLHTTPOracle.decode(head.bytes + Array("0\r\n\r\n".utf8)) }
            let ours = HTTP1RequestHeadParserTests.parse(head.bytes)
            let context = "head \(id) \(head.mutations) \(head.text)"
            switch (verdict, ours) {
            case (.rejected(let error), .success):
                failures.append("accepted although llhttp refused it (\(error)): \(context)")
            case (.rejected, .failure):
                bothRefuse += 1
            case (.accepted, .failure(let problem)):
                stricter[problem.body.trimmingCharacters(in: .newlines), default: 0] += 1
            case (.accepted(let reference, _), .success(let parsed)):
                bothAccept += 1
                if let mismatch = Self.mismatch(reference, parsed) { failures.append("\(mismatch): \(context)") }
            case (.incomplete, _), (.split, _):
                undecided += 1
            }
        }
        print(
            "HTTP1 differential heads: \(Self.headCount) heads, both accept \(bothAccept), both refuse "
                + "\(bothRefuse), stricter than llhttp \(stricter.values.reduce(0, +)), llhttp undecided \(undecided); "
                + "stricter by reason: \(stricter.sorted { $0.value > $1.value })"
        )
        #expect(failures.isEmpty, "\(failures.count) failures, first: \(failures.prefix(5))")
    }

    /// Method, target, version and the header list, names and values as bytes. NIO keeps a value's trailing
    /// whitespace, which is not part of the field value (RFC 9110 §5.5) and which the parser leaves out of
    /// `HeaderField.value`: it is trimmed from llhttp's side before comparing.
    static func mismatch(_ reference: HTTPRequestHead, _ parsed: RequestHead) -> String? {
        if reference.method.rawValue != parsed.string(parsed.method) { return "method differs" }
        if Array(reference.uri.utf8) != Self.bytes(parsed, parsed.target) { return "target differs" }
        if reference.version.minor != parsed.minorVersion { return "version differs" }
        let theirs = reference.headers.map {
            (Array($0.name.utf8), Array(HTTPSyntax.trimmingOWS(Array($0.value.utf8))))
        }
        let ours = parsed.fields.map { (Self.bytes(parsed, $0.name), Self.bytes(parsed, $0.value)) }
        guard theirs.count == ours.count else { return "field count differs: \(theirs.count) vs \(ours.count)" }
        for (index, (their, our)) in zip(theirs, ours).enumerated() where their != our {
            return "field \(index) differs: \(String(decoding: their.1, as: UTF8.self).debugDescription) vs "
                + "\(String(decoding: our.1, as: UTF8.self).debugDescription)"
        }
        return nil
    }

    static func bytes(_ head: RequestHead, _ range: Range<Int>) -> [UInt8] {
        Array(head.bytes.readableBytesView.dropFirst(range.lowerBound).prefix(range.count))
    }

    // MARK: Chunked bodies

    /// What llhttp made of a chunked request body: its data if the request ended exactly with the bytes.
    static func llhttpChunkedData(_ body: [UInt8]) -> [UInt8]? {
        let channel = EmbeddedChannel(
            handler: ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes))
        )
        defer { _ = try? channel.finish(acceptAlreadyClosed: true) }
        let head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        do {
            try channel.writeInbound(channel.allocator.buffer(bytes: Array(head.utf8) + body))
        } catch {
            return nil
        }
        var data: [UInt8] = []
        var ended = false
        while let part = try? channel.readInbound(as: HTTPServerRequestPart.self) {
            if ended { return nil }
            switch part {
            case .head: break
            case .body(let buffer): data += buffer.readableBytesView
            case .end: ended = true
            }
        }
        return ended ? data : nil
    }

    /// A valid chunked body with random chunk sizes, extensions and trailers.
    static func validBody(_ random: inout SplitMix64) -> [UInt8] {
        var body: [UInt8] = []
        for _ in 0..<Int.random(in: 0...4, using: &random) {
            let size = Int.random(in: 1...40, using: &random)
            body += Array(String(size, radix: 16, uppercase: Bool.random(using: &random)).utf8)
            body += Array(["", ";a", ";a=b", ";n=\"q v\"", ";x;y=1"].randomElement(using: &random)!.utf8)
            body += [13, 10] + (0..<size).map { _ in UInt8.random(in: 0...255, using: &random) } + [13, 10]
        }
        body += Array(["0\r\n", "0;e\r\n", "000\r\n"].randomElement(using: &random)!.utf8)
        body += Array(["", "X-Sum: 1\r\n", "A: b\r\nC:\td\r\n"].randomElement(using: &random)!.utf8)
        return body + [13, 10]
    }

    static let hostile: [UInt8] = [13, 10, 0, 0x20, 0x09, 0x3B, 0x3D, 0x22, 0x5C, 0x78, 0x66, 0x30, 0x3A, 0x80, 0x7F]

    @Test func chunkedBodiesNeverEndWhereLLHTTPDoesNot() {
        var random = SplitMix64(seed: Self.seed &+ 1)
        var failures: [String] = []
        var stricter: [String: Int] = [:]
        var agreed = 0
        var waits = 0
        for id in 0..<Self.bodyCount {
            var body = Self.validBody(&random)
            var mutations = 0
            if id % 4 != 0 {
                mutations = Int.random(in: 1...3, using: &random)
                for _ in 0..<mutations {
                    let at = Int.random(in: 0..<body.count, using: &random)
                    switch Int.random(in: 0..<3, using: &random) {
                    case 0: body.insert(Self.hostile.randomElement(using: &random)!, at: at)
                    case 1: body[at] = Self.hostile.randomElement(using: &random)!
                    default: body.remove(at: at)
                    }
                }
            }
            let ours = HTTP1BodyFramerTests.feed(.chunked, [body])
            let decoded = HTTP1BodyFramerTests.feed(.chunked, decode: true, [body])
            let context =
                "body \(id) (\(mutations) mutations) \(String(decoding: body, as: UTF8.self).debugDescription)"
            if ours.ended != decoded.ended || (ours.invalid == nil) != (decoded.invalid == nil)
                || (ours.ended && ours.left != decoded.left)
            {
                failures.append("forwarding and decoding disagree: \(context)")
            }
            guard ours.ended else {
                if Self.llhttpChunkedData(body) != nil {
                    if let reason = ours.invalid { stricter[reason, default: 0] += 1 } else { waits += 1 }
                }
                continue
            }
            // Where we end, llhttp must end too, with the same data.
            let end = body.count - ours.left.count
            guard let reference = Self.llhttpChunkedData(Array(body[..<end])) else {
                failures.append("ended at \(end) where llhttp does not: \(context)")
                continue
            }
            if reference != decoded.output { failures.append("data differs: \(context)") }
            if Array(body[..<end]) != ours.output { failures.append("forwarded bytes are not the body: \(context)") }
            agreed += 1
        }
        print(
            "HTTP1 differential chunked: \(Self.bodyCount) bodies, both end alike \(agreed), stricter than llhttp "
                + "\(stricter.values.reduce(0, +)) \(stricter.sorted { $0.value > $1.value }), waiting where llhttp "
                + "ended \(waits)"
        )
        #expect(failures.isEmpty, "\(failures.count) failures, first: \(failures.prefix(5))")
    }
}
