import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The client side of a drill: one probe every `interval`, each on a new connection with its own `timeout`,
/// all on one event loop so that a slow probe never delays the next one. Results are kept in memory (a
/// drill of a minute at 10 ms is 6,000 small records).
public final class DrillProber: Sendable {
    private let target: ProbeTarget
    private let interval: Duration
    private let timeout: Duration
    private let eventLoop: any EventLoop
    private let started = ContinuousClock.now
    private let results = Mutex<[ProbeResult]>([])
    private let outstanding = Mutex<Int>(0)
    private let ticker = Mutex<RepeatedTask?>(nil)
    private let maximumProbes: Int
    private let sent = Atomic<Int>(0)

    /// - Parameter maximumProbes: a hard bound on the probes sent, whatever happens to ``stop()``.
    public init(
        target: ProbeTarget,
        interval: Duration = .milliseconds(10),
        timeout: Duration = .milliseconds(200),
        maximumProbes: Int = 60_000,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.target = target
        self.interval = interval
        self.timeout = timeout
        self.maximumProbes = maximumProbes
        self.eventLoop = group.next()
    }

    /// Starts probing.
    public func start() {
        let task = eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: TimeAmount(interval)) { task in
            let sent = self.sent.add(1, ordering: .relaxed).newValue
            if sent > self.maximumProbes {
                task.cancel()
                return
            }
            self.probe()
        }
        ticker.withLock { $0 = task }
    }

    /// The results so far, in the order the probes were sent.
    public var snapshot: [ProbeResult] {
        results.withLock { $0 }.sorted { $0.sentAt < $1.sentAt }
    }

    /// Stops sending, waits for the probes in flight (at most `timeout` more), and returns every result in the
    /// order sent.
    public func stop() async -> [ProbeResult] {
        ticker.withLock { task in
            task?.cancel()
            task = nil
        }
        let deadline = ContinuousClock.now.advanced(by: timeout + .milliseconds(100))
        while outstanding.withLock({ $0 }) > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
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
        connection.whenFailure { error in
            promise.fail(ProbeFailure(Self.describe(connectError: error)))
        }
        let deadline = eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            promise.fail(ProbeFailure("timeout"))
        }
        promise.futureResult.whenComplete { [self] result in
            deadline.cancel()
            connection.whenSuccess { channel in channel.close(promise: nil) }
            let endedAt = started.duration(to: .now)
            let record: ProbeResult
            switch result {
            case .success(let status) where status < 500:
                record = ProbeResult(sentAt: sentAt, endedAt: endedAt, status: status, failure: nil)
            case .success(let status):
                record = ProbeResult(sentAt: sentAt, endedAt: endedAt, status: status, failure: "status \(status)")
            case .failure(let error):
                record = ProbeResult(sentAt: sentAt, endedAt: endedAt, status: nil, failure: "\(error)")
            }
            results.withLock { $0.append(record) }
            outstanding.withLock { $0 -= 1 }
        }
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
