/// Deterministic 64-bit hashing: FNV-1a followed by the SplitMix64 finalizer.
///
/// Swift's `Hasher` is seeded per process; both nodes of an HA pair (and every restart) must map
/// keys and cookie values identically, so everything that must be stable hashes with this instead.
enum StableHash {
    static let offsetBasis: UInt64 = 0xCBF2_9CE4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01B3

    /// FNV-1a over `bytes`, continuing from `state`.
    static func fnv1a<Bytes: Sequence<UInt8>>(_ bytes: Bytes, state: UInt64 = offsetBasis) -> UInt64 {
        var hash = state
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= prime
        }
        return hash
    }

    /// FNV-1a over the little-endian bytes of `value`, continuing from `state`.
    static func fnv1a(_ value: UInt64, state: UInt64) -> UInt64 {
        var hash = state
        for shift in stride(from: 0, to: 64, by: 8) {
            hash ^= (value >> UInt64(shift)) & 0xFF
            hash &*= prime
        }
        return hash
    }

    /// The SplitMix64 finalizer: spreads FNV's weak low-entropy differences over all 64 bits.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The stable hash of a string's UTF-8 bytes.
    static func of<S: StringProtocol>(_ string: S) -> UInt64 {
        mix(fnv1a(string.utf8))
    }
}
