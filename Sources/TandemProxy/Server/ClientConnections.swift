import NIOCore
import Synchronization

/// The client connections of one frontend, and whether keep-alive is being wound down.
///
/// A planned handover (`tandem failover`) must move keep-alive clients before the VIP moves: while
/// ``closesKeepAlive`` is set every response carries `Connection: close`, and ``closeKeepAliveConnections()``
/// closes the connections that are idle between requests right away (a request in flight finishes, then its
/// connection closes). Clients reconnect, still to this node until the VIP moves, then to the peer.
/// Registration costs one lock per connection, nothing per request.
public final class ClientConnections: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])
    private let closing = Atomic<Bool>(false)
    private let accepted = Atomic<Int>(0)

    init() {}

    /// Connections open now.
    public var count: Int {
        channels.withLock { $0.count }
    }

    /// Connections accepted since start.
    public var total: Int {
        accepted.load(ordering: .relaxed)
    }

    /// Whether responses currently end their connection.
    public var closesKeepAlive: Bool {
        closing.load(ordering: .relaxed)
    }

    /// Counts on from `previous` (the frontend a reload replaced), so the accepted total never goes backwards.
    func continueCount(from previous: ClientConnections) {
        accepted.add(previous.total, ordering: .relaxed)
    }

    func register(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        channels.withLock { $0[id] = channel }
        accepted.add(1, ordering: .relaxed)
        channel.closeFuture.whenComplete { [self] _ in
            _ = channels.withLock { $0.removeValue(forKey: id) }
        }
    }

    /// Starts (or stops) winding down keep-alive. Starting also asks every open connection to close once it
    /// is idle; returns how many connections were asked.
    @discardableResult
    func setClosesKeepAlive(_ on: Bool) -> Int {
        closing.store(on, ordering: .relaxed)
        guard on else { return 0 }
        return closeWhenIdle()
    }

    /// Asks every open connection to close once it is idle (at once if it is idle now); returns how many.
    @discardableResult
    func closeWhenIdle() -> Int {
        let open = channels.withLock { Array($0.values) }
        for channel in open {
            channel.pipeline.fireUserInboundEventTriggered(CloseWhenIdle())
        }
        return open.count
    }

    /// Makes every later response end its connection, without touching idle connections: a config reload moves
    /// busy clients this way and closes the idle rest only after a grace period, since closing a keep-alive
    /// connection the instant a client reuses it loses that request.
    func closeAfterNextResponse() {
        closing.store(true, ordering: .relaxed)
    }
}

/// Asks a client connection to close as soon as no request is in progress on it.
struct CloseWhenIdle: Sendable {}
