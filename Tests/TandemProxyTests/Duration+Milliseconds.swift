extension Duration {
    /// The span in whole milliseconds, rounded down, never negative (a passed deadline is 0).
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return max(0, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}
