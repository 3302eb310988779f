extension Duration {
    /// This duration written the way a config file would write it, in the largest unit that keeps it exact
    /// (`100ms`, `2s`, `5m`), so that messages and summaries echo the operator's own notation.
    public var configDescription: String {
        let (seconds, attoseconds) = components
        let nanoseconds = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !nanoseconds.overflow else {
            return "\(seconds)s"
        }
        let total = nanoseconds.partialValue + attoseconds / 1_000_000_000
        if total == 0 {
            return "0s"
        }
        for unit in Self.configUnits.reversed() where total % unit.nanoseconds == 0 {
            return "\(total / unit.nanoseconds)\(unit.suffix)"
        }
        return "\(total)ns"
    }
}
