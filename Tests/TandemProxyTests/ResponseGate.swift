import NIOCore
import Synchronization

/// Holds a test backend's `/slow` responses until the test opens it: a request stays in flight exactly as
/// long as the test needs, however loaded the machine is.
final class ResponseGate: Sendable {
    private let state = Mutex((isOpen: false, waiters: [EventLoopPromise<Void>]()))

    /// Completes on `eventLoop` once the gate is open (at once if it already is).
    func wait(on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        let isOpen = state.withLock { state in
            if !state.isOpen { state.waiters.append(promise) }
            return state.isOpen
        }
        if isOpen { promise.succeed() }
        return promise.futureResult
    }

    /// Lets every held response go, and every later one at once.
    func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.succeed() }
    }
}
