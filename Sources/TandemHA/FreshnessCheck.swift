/// Judges whether a heartbeat is fresh using only monotonic clocks: ours at arrival and the sender's in the
/// packet. Wall clocks may step by hours either way without effect.
///
/// Per sender boot epoch it keeps a baseline, the smallest `arrival − sent` seen (the fastest path plus the
/// clocks' constant offset). A packet whose `arrival − sent` exceeds the baseline by more than `window` was
/// held back somewhere and is refused as late. The baseline may rise by `driftAllowance` (200 ppm, well above
/// crystal drift) of the time elapsed, so two clocks that run at slightly different rates never drift apart
/// into rejection. If every packet from an epoch has been late for `rebaselineAfter` (the sender's clock
/// stood still during a VM pause, say), the check starts over from the current offset rather than refusing
/// the peer forever; such packets were authenticated and in sequence, so this only accepts a constant delay.
public struct FreshnessCheck: Sendable {
    private struct Baseline: Sendable {
        var epoch: UInt64
        var offset: Int64
        var at: UInt64
        var lateSince: UInt64?
    }

    /// How much later than the fastest packet one may arrive.
    public let window: UInt64
    /// Consecutive lateness after which the baseline restarts.
    public let rebaselineAfter: UInt64
    /// Parts per million the baseline may rise per elapsed nanosecond.
    public static let driftAllowancePPM: UInt64 = 200

    private var baselines: [String: Baseline] = [:]

    /// - Parameters:
    ///   - window: allowed lateness, nanoseconds.
    ///   - rebaselineAfter: nanoseconds of consecutive lateness after which the baseline restarts.
    public init(window: UInt64, rebaselineAfter: UInt64) {
        self.window = window
        self.rebaselineAfter = rebaselineAfter
    }

    /// Admits or refuses one authenticated packet of `node` sent at `sent` (its clock) that arrived at
    /// `arrival` (ours), both nanoseconds.
    public mutating func admit(node: String, epoch: UInt64, sent: UInt64, arrival: UInt64) -> Bool {
        let offset = Int64(truncatingIfNeeded: arrival &- sent)
        guard var baseline = baselines[node], baseline.epoch == epoch else {
            baselines[node] = Baseline(epoch: epoch, offset: offset, at: arrival)
            return true
        }
        let elapsed = arrival > baseline.at ? arrival - baseline.at : 0
        let allowance = Int64(truncatingIfNeeded: min(elapsed / 1_000_000 * Self.driftAllowancePPM, UInt64(Int64.max)))
        let floor = baseline.offset &+ allowance
        if offset <= floor &+ Int64(truncatingIfNeeded: window) {
            baseline.offset = min(floor, offset)
            baseline.at = arrival
            baseline.lateSince = nil
            baselines[node] = baseline
            return true
        }
        let lateSince = baseline.lateSince ?? arrival
        if arrival - lateSince >= rebaselineAfter {
            baselines[node] = Baseline(epoch: epoch, offset: offset, at: arrival)
            return true
        }
        baseline.lateSince = lateSince
        baselines[node] = baseline
        return false
    }
}
