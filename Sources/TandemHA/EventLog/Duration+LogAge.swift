extension Duration {
    /// Parses the age given to `tandem logs --since`: a whole number and a unit, `30s`, `10m`, `2h` or `1d`.
    /// Nil for anything else (no unit, zero, negative, fractions, unknown units), so a typo is an error rather
    /// than a surprising window.
    public init?(logAge text: String) {
        guard let unit = text.last, let count = Int64(text.dropLast()), count > 0, text.first != "+" else {
            return nil
        }
        let seconds: Int64
        switch unit {
        case "s": seconds = 1
        case "m": seconds = 60
        case "h": seconds = 3600
        case "d": seconds = 86_400
        default: return nil
        }
        guard count <= Int64.max / seconds / 1000 else { return nil }
        self = .seconds(count * seconds)
    }
}
