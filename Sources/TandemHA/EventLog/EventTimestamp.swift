#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A wall-clock instant with millisecond resolution, as written in the heartbeat log: RFC 3339 in UTC
/// (`2026-11-23T18:03:23.123Z`), so lines from both nodes sort and compare as text and as time.
public struct EventTimestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var millisecondsSinceEpoch: Int64

    /// Creates a timestamp from milliseconds since the Unix epoch.
    public init(millisecondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
    }

    /// The current wall-clock time (CLOCK_REALTIME).
    public static func now() -> EventTimestamp {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return EventTimestamp(millisecondsSinceEpoch: Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000)
    }

    /// This instant moved by `duration` (negative to go back), truncated to the millisecond.
    public func advanced(by duration: Duration) -> EventTimestamp {
        let (seconds, attoseconds) = duration.components
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return EventTimestamp(millisecondsSinceEpoch: millisecondsSinceEpoch + milliseconds)
    }

    /// RFC 3339 in UTC with milliseconds, e.g. `2026-11-23T18:03:23.123Z`.
    public var description: String {
        format(local: false, separator: "T") + "Z"
    }

    /// Local time for people, e.g. `2026-11-23 19:03:23.123` (the zone of the machine running `tandem logs`).
    public var localDescription: String {
        format(local: true, separator: " ")
    }

    /// Parses the RFC 3339 form this type writes; also accepts no fraction, 1...9 fraction digits and
    /// a numeric offset (`+02:00`). Nil for anything else.
    public init?(rfc3339 text: String) {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        func byte(_ index: Int, is expected: Character) -> Bool {
            index < bytes.count && bytes[index] == expected.asciiValue
        }
        guard bytes.count >= 20, byte(4, is: "-"), byte(7, is: "-"), byte(13, is: ":"), byte(16, is: ":"),
            byte(10, is: "T") || byte(10, is: "t") || byte(10, is: " "),
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var milliseconds = 0
        if byte(index, is: ".") {
            index += 1
            var digits = 0
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                if digits < 3 { milliseconds = milliseconds * 10 + Int(bytes[index] - 0x30) }
                digits += 1
                index += 1
            }
            guard (1...9).contains(digits) else { return nil }
            if digits == 1 { milliseconds *= 100 } else if digits == 2 { milliseconds *= 10 }
        }
        var offsetSeconds = 0
        if byte(index, is: "Z") || byte(index, is: "z") {
            index += 1
        } else if byte(index, is: "+") || byte(index, is: "-") {
            guard byte(index + 3, is: ":"), let hours = number(index + 1..<index + 3),
                let minutes = number(index + 4..<index + 6), hours < 24, minutes < 60
            else { return nil }
            offsetSeconds = (hours * 3600 + minutes * 60) * (byte(index, is: "-") ? -1 : 1)
            index += 6
        } else {
            return nil
        }
        guard index == bytes.count else { return nil }
        var fields = tm()
        fields.tm_year = Int32(year - 1900)
        fields.tm_mon = Int32(month - 1)
        fields.tm_mday = Int32(day)
        fields.tm_hour = Int32(hour)
        fields.tm_min = Int32(minute)
        fields.tm_sec = Int32(second)
        let seconds = Int64(timegm(&fields)) - Int64(offsetSeconds)
        self.init(millisecondsSinceEpoch: seconds * 1000 + Int64(milliseconds))
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = EventTimestamp(rfc3339: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not an RFC 3339 time: \(text)")
            )
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public static func < (lhs: EventTimestamp, rhs: EventTimestamp) -> Bool {
        lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
    }

    private func format(local: Bool, separator: String) -> String {
        var seconds = time_t(millisecondsSinceEpoch.dividedRoundingDown(by: 1000))
        let milliseconds = Int(millisecondsSinceEpoch - Int64(seconds) * 1000)
        var fields = tm()
        if local { localtime_r(&seconds, &fields) } else { gmtime_r(&seconds, &fields) }
        return Self.pad(Int(fields.tm_year) + 1900, 4) + "-" + Self.pad(Int(fields.tm_mon) + 1, 2) + "-"
            + Self.pad(Int(fields.tm_mday), 2) + separator + Self.pad(Int(fields.tm_hour), 2) + ":"
            + Self.pad(Int(fields.tm_min), 2) + ":" + Self.pad(Int(fields.tm_sec), 2) + "."
            + Self.pad(milliseconds, 3)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}

extension Int64 {
    /// Floor division, so instants before 1970 still split into seconds and a positive millisecond part.
    fileprivate func dividedRoundingDown(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor < 0) ? quotient - 1 : quotient
    }
}
