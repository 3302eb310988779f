extension Duration {
    /// The units a config duration may carry, longest suffix first so that `ms` is not read as `m`.
    static let configUnits: [(suffix: String, nanoseconds: Int64)] = [
        ("ns", 1),
        ("us", 1_000),
        ("ms", 1_000_000),
        ("s", 1_000_000_000),
        ("m", 60_000_000_000),
        ("h", 3_600_000_000_000),
    ]

    /// Parses a config duration: a non-negative decimal number with a unit, like `50ms`, `2s`, `1.5s`, `5m`,
    /// `1h` or `250us` (`ns`, `us`, `ms`, `s`, `m`, `h`).
    ///
    /// Returns nil for anything else (`""`, `5`, `-1s`, `1d`, `ms`, `1.s`) and for values that overflow,
    /// because a unit-less number is exactly the ambiguity the config format exists to avoid. Digits below
    /// one nanosecond are dropped.
    public init?(configString: String) {
        let digitsAndPoint = configString.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        let suffix = configString.dropFirst(digitsAndPoint.count)
        guard let unit = Self.configUnits.first(where: { $0.suffix == suffix }) else {
            return nil
        }
        let parts = digitsAndPoint.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2, parts.allSatisfy({ !$0.isEmpty }) else {
            return nil
        }
        guard let whole = Int64(parts[0]) else {
            return nil
        }
        let (wholeNanoseconds, overflow) = whole.multipliedReportingOverflow(by: unit.nanoseconds)
        guard !overflow else {
            return nil
        }
        var fractionNanoseconds: Int64 = 0
        if parts.count == 2 {
            // Walk the fraction digit by digit: each digit is worth a tenth of the one before it.
            var place = unit.nanoseconds
            for digit in parts[1] {
                place /= 10
                guard let value = digit.wholeNumberValue else {
                    return nil
                }
                fractionNanoseconds += Int64(value) * place
            }
        }
        let (total, totalOverflow) = wholeNanoseconds.addingReportingOverflow(fractionNanoseconds)
        guard !totalOverflow else {
            return nil
        }
        self = .nanoseconds(total)
    }
}
