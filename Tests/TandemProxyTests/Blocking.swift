import Dispatch

/// Runs blocking work (a TLS socket read, waiting for `openssl`) on a Dispatch thread, never on the Swift
/// concurrency pool, which the proxy's own tests share on a 2-core machine.
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try body() })
        }
    }
}
