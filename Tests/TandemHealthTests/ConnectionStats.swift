/// Counts a test server's connections and requests; tests await counts instead of sleeping.
final class ConnectionStats: Sendable {
    /// One thing the server saw.
    enum Event: Sendable {
        case opened(ContinuousClock.Instant)
        case closed
        case request(ContinuousClock.Instant, uri: String)
    }

    /// The counts at one moment.
    struct Snapshot: Sendable {
        var openTimes: [ContinuousClock.Instant] = []
        var closed = 0
        var requestTimes: [ContinuousClock.Instant] = []
        /// The time of the first request for each request target.
        var firstRequestByURI: [String: ContinuousClock.Instant] = [:]
        var opened: Int { openTimes.count }
        var open: Int { opened - closed }
        var requests: Int { requestTimes.count }

        init(_ events: [Event]) {
            for event in events {
                switch event {
                case .opened(let time):
                    openTimes.append(time)
                case .closed:
                    closed += 1
                case .request(let time, let uri):
                    requestTimes.append(time)
                    firstRequestByURI[uri] = firstRequestByURI[uri] ?? time
                }
            }
        }
    }

    private let events = AwaitableLog<Event>()

    var snapshot: Snapshot { Snapshot(events.elements) }

    func connectionOpened() { events.append(.opened(.now)) }
    func connectionClosed() { events.append(.closed) }
    func requestReceived(uri: String = "") { events.append(.request(.now, uri: uri)) }

    /// Waits until `condition` holds; returns false if it did not within `timeout`.
    func wait(timeout: Duration = .seconds(5), until condition: @escaping @Sendable (Snapshot) -> Bool) async -> Bool {
        await events.wait(timeout: timeout) { condition(Snapshot($0)) }
    }
}
