import Synchronization

/// An append-only list of events that a test awaits ("until 3 request heads arrived") with a timeout,
/// instead of sleeping.
final class EventLog<Element: Sendable>: Sendable {
    private struct Waiter {
        var id: Int
        var condition: @Sendable ([Element]) -> Bool
        var continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var elements: [Element] = []
        var waiters: [Waiter] = []
        var nextWaiterID = 0
    }

    private let state = Mutex(State())

    var elements: [Element] { state.withLock { $0.elements } }
    var count: Int { state.withLock { $0.elements.count } }

    func append(_ element: Element) {
        let ready = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            state.elements.append(element)
            let elements = state.elements
            let ready = state.waiters.filter { $0.condition(elements) }
            state.waiters.removeAll { $0.condition(elements) }
            return ready.map(\.continuation)
        }
        for continuation in ready { continuation.resume(returning: true) }
    }

    /// Waits until `condition` holds for the events so far; false when it did not within `timeout`.
    func wait(
        timeout: Duration = .seconds(5),
        until condition: @escaping @Sendable ([Element]) -> Bool
    ) async -> Bool {
        let id = state.withLock { state in
            defer { state.nextWaiterID += 1 }
            return state.nextWaiterID
        }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let satisfied = self.state.withLock { state -> Bool in
                        if condition(state.elements) { return true }
                        state.waiters.append(Waiter(id: id, condition: condition, continuation: continuation))
                        return false
                    }
                    if satisfied { continuation.resume(returning: true) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.expire(id)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            // The losing child ends promptly: the sleep is cancelled, or the waiter is expired below.
            self.expire(id)
            return first
        }
    }

    /// Waits until at least `count` events arrived.
    func wait(forCount count: Int, timeout: Duration = .seconds(5)) async -> Bool {
        await wait(timeout: timeout) { $0.count >= count }
    }

    private func expire(_ id: Int) {
        let expired = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index).continuation
        }
        expired?.resume(returning: false)
    }
}
