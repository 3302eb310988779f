import Synchronization
import TandemHA

/// A ``VIPController`` that records its calls; tests await calls instead of sleeping.
final class RecordingVIPController: VIPController {
    enum Call: Sendable, Hashable {
        case claim, release, reannounce
    }

    private let recorded = Mutex<[(Call, ContinuousClock.Instant)]>([])
    private let stream: AsyncStream<Call>
    private let continuation: AsyncStream<Call>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Call.self)
    }

    var calls: [Call] { recorded.withLock { $0.map(\.0) } }

    func instants(of call: Call) -> [ContinuousClock.Instant] {
        recorded.withLock { $0.filter { $0.0 == call }.map(\.1) }
    }

    func claim() async throws { record(.claim) }
    func release() async throws { record(.release) }
    func reannounce() async throws { record(.reannounce) }

    private func record(_ call: Call) {
        recorded.withLock { $0.append((call, .now)) }
        continuation.yield(call)
    }

    /// Waits until `call` happens (counting only calls not yet consumed by an earlier wait), or `timeout`.
    /// Only one waiter at a time.
    func next(_ call: Call, within timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { [stream] in
                for await observed in stream where observed == call { return true }
                return false
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let result = await group.next() ?? false
            group.cancelAll()
            return result
        }
    }
}
