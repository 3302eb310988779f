import NIOCore
import Synchronization

/// What a `.scripted` test backend answers, changeable while the test runs (a server that starts failing
/// and recovers).
final class BackendScript: Sendable {
    private let statusCode: Atomic<Int>
    let slowDelay: TimeAmount

    init(status: Int = 200, slowDelay: TimeAmount = .milliseconds(500)) {
        self.statusCode = Atomic(status)
        self.slowDelay = slowDelay
    }

    var status: Int {
        get { statusCode.load(ordering: .relaxed) }
        set { statusCode.store(newValue, ordering: .relaxed) }
    }
}
