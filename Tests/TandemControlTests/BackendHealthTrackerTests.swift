import Synchronization
import Testing

@testable import TandemControl

@Suite("Backend health tracking")
struct BackendHealthTrackerTests {
    /// Reports the first verdict, then only changes, never the same verdict twice in a row.
    @Test func reportsOnlyChanges() async throws {
        let verdicts = Mutex<[Bool]>([true, true, false, false, false, true, true])
        let reports = Mutex<[Bool]>([])
        let tracker = BackendHealthTracker(
            interval: .milliseconds(1),
            isHealthy: { verdicts.withLock { $0.count > 1 ? $0.removeFirst() : $0[0] } },
            report: { value in reports.withLock { $0.append(value) } }
        )
        let task = Task { try await tracker.run() }
        let deadline = ContinuousClock.now + .seconds(5)
        while verdicts.withLock({ $0.count > 1 }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        task.cancel()
        _ = try? await task.value
        #expect(reports.withLock { $0 } == [true, false, true])
    }
}
