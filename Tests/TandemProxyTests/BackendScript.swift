import NIOCore
import Synchronization

/// What a `.scripted` test backend answers, changeable while the test runs (a server that starts failing
/// and recovers).
final class BackendScript: Sendable {
    private let statusCode: Atomic<Int>
    let slowDelay: TimeAmount
    /// When set, `/slow` responses wait for it instead of `slowDelay`.
    let gate: ResponseGate?

    init(status: Int = 200, slowDelay: TimeAmount = .milliseconds(500), gate: ResponseGate? = nil) {
        self.statusCode = Atomic(status)
        self.slowDelay = slowDelay
        self.gate = gate
    }

    var status: Int {
        get { statusCode.load(ordering: .relaxed) }
        set { statusCode.store(newValue, ordering: .relaxed) }
    }
}
