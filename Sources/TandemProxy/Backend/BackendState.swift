import NIOCore
import TandemBalancing

/// Everything about one backend that several event loops change: the balancer, the queue of requests
/// waiting for a free server slot, and the passive outlier detector. `BackendRuntime` keeps it behind one
/// lock, so a release hands its slot to the oldest waiter atomically and no wake-up is lost between a
/// full pick and an enqueue.
struct BackendState: Sendable {
    /// The answer to "which server may this request use now?".
    enum Choice: Sendable, Equatable {
        /// Server `index` was acquired; `cookie` is the persistence value to set (nil: keep the client's).
        case server(Int, cookie: String?)
        /// Usable servers exist but the ones this request may use are full.
        case allBusy
        /// No server this request may use is usable.
        case noneAvailable
    }

    var balancer: BackendBalancer
    /// Requests waiting for a slot, oldest first.
    var queue: CircularBuffer<QueuedRequest> = []
    /// Nil when passive outlier detection is disabled.
    var outliers: OutlierDetector?
    let setsCookie: Bool

    /// Acquires a server for a request: its pinned server while that one is usable (waiting for it
    /// when it is full), otherwise the policy's pick.
    mutating func choose(pinned: Int?, key: BalancingKey, avoiding: Set<Int>) -> Choice {
        if let pinned, !avoiding.contains(pinned), balancer.servers[pinned].isUsable {
            guard balancer.servers[pinned].isEligible else { return .allBusy }
            balancer.acquire(pinned)
            return .server(pinned, cookie: nil)
        }
        switch balancer.pick(key: key, avoiding: avoiding) {
        case .server(let index):
            balancer.acquire(index)
            return .server(index, cookie: setsCookie ? balancer.cookieValue(for: index) : nil)
        case .allBusy:
            return .allBusy
        case .noneAvailable:
            return .noneAvailable
        }
    }

    /// Removes `request` from the queue; false when it was no longer there (already granted).
    mutating func cancel(_ request: QueuedRequest) -> Bool {
        guard let index = queue.firstIndex(where: { $0 === request }) else { return false }
        queue.remove(at: index)
        return true
    }

    /// Gives free slots to waiting requests, oldest first, and fails those no server can take any more.
    ///
    /// Returns at once when nothing waits (the common case); otherwise it stops as soon as no server has
    /// a free slot, so a long queue is not scanned per release.
    mutating func grantWaiters() -> [(QueuedRequest, QueuedRequest.Outcome)] {
        guard !queue.isEmpty, hasFreeSlot || !hasUsableServer else { return [] }
        var decided: [(QueuedRequest, QueuedRequest.Outcome)] = []
        var kept: CircularBuffer<QueuedRequest> = []
        while let waiter = queue.popFirst() {
            guard hasFreeSlot || !hasUsableServer else {
                kept.append(waiter)
                kept.append(contentsOf: queue)
                queue.removeAll()
                break
            }
            switch choose(pinned: waiter.pinned, key: waiter.key, avoiding: waiter.avoiding) {
            case .server(let index, let cookie): decided.append((waiter, .granted(server: index, cookie: cookie)))
            case .allBusy: kept.append(waiter)
            case .noneAvailable: decided.append((waiter, .unavailable))
            }
        }
        queue = kept
        return decided
    }

    private var hasFreeSlot: Bool { balancer.servers.contains { $0.isEligible } }
    private var hasUsableServer: Bool { balancer.servers.contains { $0.isUsable } }
}
