#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One probe as `tandem probe --lines` prints it, a JSON object on one line. Its times are seconds on
/// CLOCK_MONOTONIC, which every network namespace shares, so that they line up with other processes' events
/// (Python's `time.monotonic()`). Every key is always there, `null` when it does not apply.
public struct ProbeLine: Encodable, Sendable, Equatable {
    /// When the probe was sent and when it ended, to the microsecond.
    public var sent: Double
    public var ended: Double
    public var status: Int?
    public var failure: String?
    /// The kept connection it used (`--keep-alive`), numbered from 1 in the order opened.
    public var connection: Int?

    public init(_ result: ProbeResult, monotonicStart: Duration) {
        sent = Self.seconds(monotonicStart + result.sentAt)
        ended = Self.seconds(monotonicStart + result.endedAt)
        status = result.status
        failure = result.failure
        connection = result.connection
    }

    private enum CodingKeys: String, CodingKey {
        case sent, ended, status, failure, connection
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(sent, forKey: .sent)
        try container.encode(ended, forKey: .ended)
        // `encode` of an optional writes null; the synthesised `encodeIfPresent` would drop the key.
        try container.encode(status, forKey: .status)
        try container.encode(failure, forKey: .failure)
        try container.encode(connection, forKey: .connection)
    }

    /// The line, without its newline.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    private static func seconds(_ value: Duration) -> Double {
        // Whole microseconds divided once: the nearest double to the decimal, so it prints with six places.
        let (seconds, attoseconds) = value.components
        return Double(seconds * 1_000_000 + (attoseconds + 500_000_000_000) / 1_000_000_000_000) / 1e6
    }
}
