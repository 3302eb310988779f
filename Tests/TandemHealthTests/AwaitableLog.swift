import Synchronization

/// An append-only list of events that a test can await ("until 2 transitions arrived") with a timeout,
/// instead of sleeping.
final class AwaitableLog<Element: Sendable>: Sendable {
    private struct Waiter {
        var condition: @Sendable ([Element]) -> Bool
        var resume: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var elements: [Element] = []
        var waiters: [Waiter] = []
    }

    private let state = Mutex(State())

    var elements: [Element] { state.withLock { $0.elements } }

    func append(_ element: Element) {
        let ready = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            state.elements.append(element)
            let elements = state.elements
            let ready = state.waiters.filter { $0.condition(elements) }.map(\.resume)
            state.waiters.removeAll { $0.condition(elements) }
            return ready
        }
        for continuation in ready { continuation.resume(returning: true) }
    }

    /// Waits until `condition` holds for the events so far; returns false if it did not within `timeout`.
    func wait(timeout: Duration = .seconds(5), until condition: @escaping @Sendable ([Element]) -> Bool) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let satisfied = self.state.withLock { state -> Bool in
                        if condition(state.elements) { return true }
                        state.waiters.append(Waiter(condition: condition, resume: continuation))
                        return false
                    }
                    if satisfied { continuation.resume(returning: true) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                if !Task.isCancelled { self.resumeAllWaiters() }
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    private func resumeAllWaiters() {
        let all = state.withLock { state in
            defer { state.waiters = [] }
            return state.waiters.map(\.resume)
        }
        for continuation in all { continuation.resume(returning: false) }
    }
}
