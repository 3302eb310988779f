/// Waits until `condition` holds, checking every 10 ms; false when `timeout` passed first. For state the
/// proxy exposes only by polling (server status), never instead of awaiting an event the test can see.
func eventually(
    timeout: Duration = .seconds(5),
    _ condition: @Sendable () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}
