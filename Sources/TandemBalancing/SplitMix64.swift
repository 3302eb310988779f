/// A small, fast, seedable generator (Steele, Lea & Flood's SplitMix64).
///
/// Policies take one so that their randomness is injected: the same seed gives the same picks,
/// which makes distribution tests exact and reproducible. Not for cryptographic use.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        self.state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return StableHash.mix(state)
    }
}
