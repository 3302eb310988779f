/// Counts a test server's connections and requests; tests await counts instead of sleeping.
final class ConnectionStats: Sendable {
    /// One thing the server saw.
    enum Event: Sendable {
        case opened
        case closed
        case request(ContinuousClock.Instant)
    }

    /// The counts at one moment.
    struct Snapshot: Sendable {
        var opened = 0
        var closed = 0
        var requestTimes: [ContinuousClock.Instant] = []
        var open: Int { opened - closed }
        var requests: Int { requestTimes.count }

        init(_ events: [Event]) {
            for event in events {
                switch event {
                case .opened: opened += 1
                case .closed: closed += 1
                case .request(let time): requestTimes.append(time)
                }
            }
        }
    }

    private let events = AwaitableLog<Event>()

    var snapshot: Snapshot { Snapshot(events.elements) }

    func connectionOpened() { events.append(.opened) }
    func connectionClosed() { events.append(.closed) }
    func requestReceived() { events.append(.request(.now)) }

    /// Waits until `condition` holds; returns false if it did not within `timeout`.
    func wait(timeout: Duration = .seconds(5), until condition: @escaping @Sendable (Snapshot) -> Bool) async -> Bool {
        await events.wait(timeout: timeout) { condition(Snapshot($0)) }
    }
}
