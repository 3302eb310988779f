/// The last `capacity` heartbeat round trips, for the median and p99 in `tandem status`.
struct RoundTripSamples: Sendable {
    let capacity: Int
    private var samples: [Duration] = []
    private var next = 0

    init(capacity: Int = 100) {
        self.capacity = capacity
    }

    mutating func add(_ sample: Duration) {
        if samples.count < capacity {
            samples.append(sample)
        } else {
            samples[next] = sample
        }
        next = (next + 1) % capacity
    }

    /// The nearest-rank percentile (0...100), nil without samples.
    func percentile(_ percent: Int) -> Duration? {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        let rank = max(1, (percent * sorted.count + 99) / 100)
        return sorted[min(rank, sorted.count) - 1]
    }
}
