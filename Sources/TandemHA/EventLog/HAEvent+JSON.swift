#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension HAEvent {
    /// The event as one JSON line (no trailing newline), keys in the documented order (`time`, `node`, `event`
    /// first) so the file reads well with `tail`; absent fields are left out.
    public var jsonLine: String {
        var fields: [String] = []
        func add(_ key: CodingKeys, _ value: String?) {
            if let value { fields.append("\(Self.quoted(key.rawValue)):\(value)") }
        }
        add(.time, Self.quoted(time.description))
        add(.node, Self.quoted(node))
        add(.event, Self.quoted(event.rawValue))
        add(.group, group.map(Self.quoted))
        add(.from, from.map(Self.quoted))
        add(.to, to.map(Self.quoted))
        add(.reason, reason.map(Self.quoted))
        add(.peer, peer.map(Self.quoted))
        add(.silentMs, silentMs.map(Self.number))
        add(.suppressed, suppressed.map(String.init))
        add(.vip, vip.map(Self.quoted))
        add(.interface, interface.map(Self.quoted))
        add(.ok, ok.map { $0 ? "true" : "false" })
        add(.totalMs, totalMs.map(Self.number))
        add(
            .steps,
            steps.map { steps in
                "["
                    + steps.map { step in
                        var text = "{\"step\":\(Self.quoted(step.step)),\"ms\":\(Self.number(step.ms))"
                        if let detail = step.detail { text += ",\"detail\":\(Self.quoted(detail))" }
                        return text + "}"
                    }.joined(separator: ",") + "]"
            }
        )
        add(.error, error.map(Self.quoted))
        add(.windowMs, windowMs.map(Self.number))
        add(.sent, sent.map(String.init))
        add(.received, received.map(String.init))
        add(.expected, expected.map(String.init))
        add(.lost, lost.map(String.init))
        add(.lossPercent, lossPercent.map(Self.number))
        add(.rttP50Ms, rttP50Ms.map(Self.number))
        add(.rttP99Ms, rttP99Ms.map(Self.number))
        add(.jitterMs, jitterMs.map(Self.number))
        add(.rejected, rejected.map(String.init))
        add(.state, state.map(Self.quoted))
        add(.peerState, peerState.map(Self.quoted))
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// Parses one line of the log.
    /// - Throws: `DecodingError` when the line is not a JSON object of this schema (missing `time`, `node` or
    ///   a known `event`).
    public init(jsonLine: some StringProtocol) throws {
        self = try JSONDecoder().decode(HAEvent.self, from: Data(jsonLine.utf8))
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped.
    static func quoted(_ text: String) -> String {
        var output = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output + "\""
    }

    /// A finite number with at most three decimals (`0.402`, `12`, `-1.5`); non-finite values become 0.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let thousandths = Int64((value * 1000).rounded())
        let sign = thousandths < 0 ? "-" : ""
        let magnitude = thousandths.magnitude
        let whole = magnitude / 1000
        var fraction = String(magnitude % 1000)
        if fraction == "0" { return sign + String(whole) }
        fraction = String(repeating: "0", count: 3 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return sign + String(whole) + "." + fraction
    }
}
