import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import TandemHA

#if canImport(Glibc)
import Glibc
#endif

/// The client side of a drill and of `tandem probe`: one probe every `interval`, each with its own `timeout`, all
/// on one event loop so that a slow probe never delays the next one. Each probe is on a new connection, or, with
/// `keepAlive` (HTTP only), on one kept connection, one request at a time, as a client with a connection pool
/// sends them: a tick while a request is in flight is skipped, a failure drops the connection and the next probe
/// opens a new one, and so does a connection the server closed while idle (that is not a failed request). Results
/// are kept in memory (a drill of a minute at 10 ms is 6,000 small records).
///
/// Probes go out at a fixed rate, at `start + n × interval`, not a fixed delay after each: on a loaded host the
/// loop's wake-up latency would otherwise add to every interval and thin the probes. A tick that comes too late for
/// its slot is sent at once and the slots it overran are skipped, never sent in a burst.
public final class DrillProber: Sendable {
    private let target: ProbeTarget
    private let interval: Duration
    private let timeout: Duration
    private let keepAlive: Bool
    private let eventLoop: any EventLoop
    private let started = ContinuousClock.now
    /// CLOCK_MONOTONIC when the prober was made: added to a result's times, it puts them on the clock that other
    /// processes read too, in every network namespace.
    public let monotonicStart: Duration
    private let results = Mutex<[ProbeResult]>([])
    private let outstanding = Mutex<Int>(0)
    /// The next tick, and whether `stop()` ended the ticking.
    private let ticker = Mutex<(next: Scheduled<Void>?, stopped: Bool)>((nil, false))
    private let onResult = Mutex<(@Sendable (ProbeResult) -> Void)?>(nil)
    private let kept = Mutex(KeptConnection())
    private let maximumProbes: Int
    private let sent = Atomic<Int>(0)
    private let connected = Atomic<Int>(0)

    /// The keep-alive connection between probes, and whether a probe is using it.
    private struct KeptConnection {
        var channel: (any Channel)?
        var busy = false
        var stopped = false
        var opened = 0
    }

    /// - Parameters:
    ///   - maximumProbes: a hard bound on the probes sent, whatever happens to ``stop()``.
    ///   - keepAlive: probe on one kept connection (an `http://` target) instead of a new connection each.
    public init(
        target: ProbeTarget,
        interval: Duration = .milliseconds(10),
        timeout: Duration = .milliseconds(200),
        maximumProbes: Int = 60_000,
        keepAlive: Bool = false,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        precondition(!(keepAlive && target.isTCP), "a keep-alive probe needs an http:// target")
        self.target = target
        self.interval = interval
        self.timeout = timeout
        self.maximumProbes = maximumProbes
        self.keepAlive = keepAlive
        self.eventLoop = group.next()
        self.monotonicStart = .nanoseconds(Int64(HAClocks.monotonic()))
    }

    /// Starts probing; `onResult` is called with each result as it completes, on the prober's event loop.
    public func start(onResult: (@Sendable (ProbeResult) -> Void)? = nil) {
        self.onResult.withLock { $0 = onResult }
        let first = NIODeadline.now()
        eventLoop.execute { self.tick(slot: 0, first: first) }
    }

    /// Sends slot `slot`'s probe and schedules the next slot that has not passed yet.
    private func tick(slot: Int64, first: NIODeadline) {
        guard !ticker.withLock({ $0.stopped }) else { return }
        guard sent.add(1, ordering: .relaxed).newValue <= maximumProbes else { return }
        if keepAlive { probeOnKeptConnection() } else { probe() }
        let step = TimeAmount(interval).nanoseconds
        let behind = (NIODeadline.now() - first).nanoseconds / max(step, 1)
        let next = max(slot + 1, behind + 1)
        let deadline = first + .nanoseconds(next * step)
        ticker.withLock { state in
            guard !state.stopped else { return }
            state.next = eventLoop.scheduleTask(deadline: deadline) { self.tick(slot: next, first: first) }
        }
    }

    /// The results so far, in the order the probes were sent.
    public var snapshot: [ProbeResult] {
        results.withLock { $0 }.sorted { $0.sentAt < $1.sentAt }
    }

    /// Connections established so far (one per probe that connected, or the kept connections opened).
    public var connections: Int { connected.load(ordering: .relaxed) }

    /// Stops sending, waits for the probes in flight (at most `timeout` more), closes a kept connection, and
    /// returns every result in the order sent.
    public func stop() async -> [ProbeResult] {
        ticker.withLock { state in
            state.stopped = true
            state.next?.cancel()
            state.next = nil
        }
        let deadline = ContinuousClock.now.advanced(by: timeout + .milliseconds(100))
        while outstanding.withLock({ $0 }) > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        let channel = kept.withLock { state in
            state.stopped = true
            defer { state.channel = nil }
            return state.channel
        }
        try? await channel?.close()
        return snapshot
    }

    private func probe() {
        let sentAt = started.duration(to: .now)
        outstanding.withLock { $0 += 1 }
        let promise = eventLoop.makePromise(of: Int.self)
        let request = target.request
        let byteIsEnough = target.isTCP
        let connection = ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(timeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ProbeHandler(request: request, byteIsEnough: byteIsEnough, promise: promise)
                    )
                }
            }
            .connect(to: target.address)
        connection.whenSuccess { _ in self.connected.add(1, ordering: .relaxed) }
        connection.whenFailure { error in
            promise.fail(ProbeFailure(Self.describe(connectError: error)))
        }
        let deadline = eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            promise.fail(ProbeFailure("timeout"))
        }
        promise.futureResult.whenComplete { [self] result in
            deadline.cancel()
            connection.whenSuccess { channel in channel.close(promise: nil) }
            record(sentAt: sentAt, result: result, connection: nil)
        }
    }

    /// One request on the kept connection, opening it first when there is none (or the server closed it).
    private func probeOnKeptConnection() {
        let claim: (channel: (any Channel)?, number: Int)? = kept.withLock { state in
            guard !state.busy, !state.stopped else { return nil }
            state.busy = true
            if let channel = state.channel, channel.isActive { return (channel, state.opened) }
            state.channel = nil
            state.opened += 1
            return (nil, state.opened)
        }
        guard let claim else { return }
        let sentAt = started.duration(to: .now)
        outstanding.withLock { $0 += 1 }
        let promise = eventLoop.makePromise(of: Int.self)
        let connection: EventLoopFuture<any Channel>
        if let channel = claim.channel {
            connection = eventLoop.makeSucceededFuture(channel)
        } else {
            connection = ClientBootstrap(group: eventLoop)
                .connectTimeout(TimeAmount(timeout))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(KeepAliveProbeHandler())
                    }
                }
                .connect(to: target.address)
            connection.whenSuccess { _ in self.connected.add(1, ordering: .relaxed) }
            connection.whenFailure { error in
                promise.fail(ProbeFailure(Self.describe(connectError: error)))
            }
        }
        let head = target.keepAliveRequest
        connection.whenSuccess { channel in
            guard let handler = Self.keptHandler(of: channel) else {
                promise.fail(ProbeFailure("closed"))
                return
            }
            handler.send(head, promise: promise)
        }
        let deadline = eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            promise.fail(ProbeFailure("timeout"))
        }
        promise.futureResult.whenComplete { [self] result in
            deadline.cancel()
            let answered = (try? result.get()).map { $0 < 500 } ?? false
            // Runs at once when the connection is up (always so after an answer); a connect still under way
            // after a failure is closed when it completes.
            connection.whenSuccess { [self] channel in
                let reusable = answered && channel.isActive && Self.keptHandler(of: channel)?.reusable == true
                let keep =
                    reusable
                    && kept.withLock { state in
                        guard !state.stopped, claim.number == state.opened else { return false }
                        state.channel = channel
                        return true
                    }
                if !keep { channel.close(promise: nil) }
            }
            kept.withLock { $0.busy = false }
            record(sentAt: sentAt, result: result, connection: claim.number)
        }
    }

    /// The probe handler of a kept connection; nil once the channel has closed and its pipeline is empty.
    private static func keptHandler(of channel: any Channel) -> KeepAliveProbeHandler? {
        try? channel.pipeline.syncOperations.handler(type: KeepAliveProbeHandler.self)
    }

    /// Records one result, hands it to `onResult`, then counts the probe done (so ``stop()`` waits for both).
    private func record(sentAt: Duration, result: Result<Int, any Error>, connection: Int?) {
        let endedAt = started.duration(to: .now)
        let record: ProbeResult
        switch result {
        case .success(let status) where status < 500:
            record = ProbeResult(
                sentAt: sentAt,
                endedAt: endedAt,
                status: status,
                failure: nil,
                connection: connection
            )
        case .success(let status):
            record = ProbeResult(
                sentAt: sentAt,
                endedAt: endedAt,
                status: status,
                failure: "status \(status)",
                connection: connection
            )
        case .failure(let error):
            record = ProbeResult(
                sentAt: sentAt,
                endedAt: endedAt,
                status: nil,
                failure: "\(error)",
                connection: connection
            )
        }
        results.withLock { $0.append(record) }
        onResult.withLock { $0 }?(record)
        outstanding.withLock { $0 -= 1 }
    }

    private static func describe(connectError error: any Error) -> String {
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: return "refused"
            case ECONNRESET: return "reset"
            case EHOSTUNREACH, ENETUNREACH: return "unreachable"
            default: return "\(error)"
            }
        }
        if error is ChannelError { return "timeout" }
        return "\(error)"
    }
}
