import Synchronization

/// The switchable status of `TestHTTPBackend`, shared by its connections.
final class StatusSource: Sendable {
    private let code: Mutex<Int>

    init(_ code: Int) { self.code = Mutex(code) }

    var current: Int { code.withLock { $0 } }
    func set(_ newCode: Int) { code.withLock { $0 = newCode } }
}
