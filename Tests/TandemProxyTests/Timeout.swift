/// The operation did not finish within its time limit.
struct TimedOut: Error, CustomStringConvertible {
    let limit: Duration
    var description: String { "did not finish within \(limit)" }
}

/// Runs `operation`, throwing `TimedOut` when it takes longer than `limit`; the operation is cancelled.
func withTimeout<Result: Sendable>(
    _ limit: Duration,
    _ operation: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    try await withThrowingTaskGroup(of: Result.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw TimedOut(limit: limit)
        }
        defer { group.cancelAll() }
        guard let result = try await group.next() else { throw TimedOut(limit: limit) }
        return result
    }
}
