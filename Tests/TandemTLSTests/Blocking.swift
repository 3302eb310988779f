import Dispatch

/// Runs blocking work (waiting for a process, reading a pipe) on a Dispatch thread, never on the Swift
/// concurrency pool: on a 2-core machine two blocked pool threads would stall every other test.
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try body() })
        }
    }
}
