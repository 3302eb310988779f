import Synchronization

/// Counts requests a test backend is answering now and remembers the most at once.
final class ConcurrencyGauge: Sendable {
    private let state = Mutex((current: 0, peak: 0))

    var current: Int { state.withLock { $0.current } }
    var peak: Int { state.withLock { $0.peak } }

    func enter() {
        state.withLock { state in
            state.current += 1
            state.peak = max(state.peak, state.current)
        }
    }

    func leave() {
        state.withLock { $0.current -= 1 }
    }
}
