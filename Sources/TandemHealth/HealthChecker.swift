import Logging
import NIOCore
import Synchronization
import TandemBalancing

/// Runs one probe per server on a schedule with jitter and reports health transitions.
///
/// Each target's first probe waits a random `0..<interval`, and each next probe waits `interval` ± 10 % after
/// the previous one ended (so a slow server is never probed twice at once). Results feed a `HealthCounter`
/// per server: `fall` failures in a row take it DOWN, `rise` successes bring it back UP. Each transition is
/// logged in one line with its reason and passed to `onTransition` (called on the checker's event loop).
///
/// Timers keep the checker alive until `stop()`: call it when the backend goes away.
///
/// Sendable because all mutable state is either confined to `eventLoop` (`NIOLoopBoundBox`, every access
/// checked) or, for the verdicts that data-plane loops read, guarded by a `Mutex`.
public final class HealthChecker: Sendable {
    public typealias TransitionHandler =
        @Sendable (_ serverIndex: Int, _ health: HealthCounter.Health, _ reason: String) -> Void

    private let backendName: String
    private let targets: [Target]
    private let interval: TimeAmount
    private let eventLoop: any EventLoop
    private let logger: Logger
    private let onTransition: TransitionHandler
    private let state: NIOLoopBoundBox<LoopState>
    private let verdicts: Mutex<[Int: HealthCounter.Health]>
    /// Each server's latest probe result, for `tandem backends`: a verdict alone hides a server that fails one
    /// probe in two.
    private let outcomes = Mutex<[Int: ProbeOutcome]>([:])

    /// - Parameters:
    ///   - backendName: The backend's name, for logs.
    ///   - targets: One entry per checked server; server indices must be distinct.
    ///   - interval: The mean time between two probes of a server.
    ///   - rise: Successes in a row that bring a DOWN server back UP.
    ///   - fall: Failures in a row that take an UP server DOWN.
    ///   - eventLoop: The loop that runs timers, probes and `onTransition`.
    ///   - logger: Receives one line per transition.
    ///   - randomSource: The jitter source; inject a seeded generator for reproducible schedules.
    ///   - initialCounters: Counters to start from, by server index (a config reload carries them over, so a DOWN
    ///     server stays DOWN and a streak is not lost); other servers start UP with no streak.
    ///   - onTransition: Called on `eventLoop` after each change of a server's health.
    public init(
        backendName: String,
        targets: [Target],
        interval: TimeAmount,
        rise: Int,
        fall: Int,
        eventLoop: any EventLoop,
        logger: Logger,
        randomSource: any RandomNumberGenerator & Sendable = SystemRandomNumberGenerator(),
        initialCounters: [Int: HealthCounter] = [:],
        onTransition: @escaping TransitionHandler
    ) {
        precondition(Set(targets.map(\.serverIndex)).count == targets.count, "one target per server index")
        self.backendName = backendName
        self.targets = targets
        self.interval = interval
        self.eventLoop = eventLoop
        self.logger = logger
        self.onTransition = onTransition
        let counters = targets.map { initialCounters[$0.serverIndex] ?? HealthCounter(rise: rise, fall: fall) }
        self.state = .makeBoxSendingValue(
            LoopState(targets: counters.map { TargetState(counter: $0) }, random: randomSource),
            eventLoop: eventLoop
        )
        self.verdicts = Mutex(Dictionary(uniqueKeysWithValues: zip(targets.map(\.serverIndex), counters.map(\.health))))
    }

    /// Starts probing; each target's first probe comes after a random delay below `interval`. Calling it
    /// again, or after `stop()`, does nothing.
    public func start() {
        onLoop { [self] in
            guard case .idle = state.value.phase else { return }
            state.value.phase = .running
            for position in targets.indices {
                let delay = Self.firstDelay(interval: interval, using: &state.value.random)
                scheduleProbe(position, in: delay)
            }
        }
    }

    /// Stops probing: cancels the timers and completes once the probes in flight have finished (and closed
    /// their sockets). No transition is reported once the stop has taken effect, which is at once when called
    /// on the checker's event loop.
    public func stop() -> EventLoopFuture<Void> {
        if eventLoop.inEventLoop {
            return stopOnLoop()
        }
        return eventLoop.flatSubmit { [self] in
            stopOnLoop()
        }
    }

    private func stopOnLoop() -> EventLoopFuture<Void> {
        state.value.phase = .stopped
        var inFlight: [EventLoopFuture<ProbeOutcome>] = []
        for position in state.value.targets.indices {
            state.value.targets[position].nextProbe?.cancel()
            state.value.targets[position].nextProbe = nil
            if let probe = state.value.targets[position].inFlight {
                inFlight.append(probe)
            }
        }
        return EventLoopFuture.andAllComplete(inFlight, on: eventLoop)
    }

    /// Every target's counter by server index, read on the checker's loop; after `stop()` they no longer change,
    /// which is when a config reload reads them for the backend's successor.
    public func counters() -> EventLoopFuture<[Int: HealthCounter]> {
        eventLoop.submit { [self] in
            Dictionary(uniqueKeysWithValues: zip(targets.map(\.serverIndex), state.value.targets.map(\.counter)))
        }
    }

    /// The current verdict for a server; `.up` until `fall` failures in a row, and for servers not checked.
    /// Callable from any thread.
    public func health(of serverIndex: Int) -> HealthCounter.Health {
        verdicts.withLock { $0[serverIndex] ?? .up }
    }

    /// The result of the latest probe of a server; nil before its first probe ended, and for servers not
    /// checked. Callable from any thread.
    public func lastOutcome(of serverIndex: Int) -> ProbeOutcome? {
        outcomes.withLock { $0[serverIndex] }
    }

    private func onLoop(_ work: @escaping @Sendable () -> Void) {
        if eventLoop.inEventLoop {
            work()
        } else {
            eventLoop.execute(work)
        }
    }

    private func scheduleProbe(_ position: Int, in delay: TimeAmount) {
        state.value.targets[position].nextProbe = eventLoop.scheduleTask(in: delay) { [self] in
            probe(position)
        }
    }

    private func probe(_ position: Int) {
        state.value.targets[position].nextProbe = nil
        // A timer already due when `stop()` cancelled it may still fire.
        guard case .running = state.value.phase else { return }
        let future = targets[position].probe.run(on: eventLoop)
        state.value.targets[position].inFlight = future
        future.hop(to: eventLoop).whenSuccess { [self] outcome in
            probeCompleted(position, outcome: outcome)
        }
    }

    private func probeCompleted(_ position: Int, outcome: ProbeOutcome) {
        state.value.targets[position].inFlight = nil
        guard case .running = state.value.phase else { return }
        outcomes.withLock { $0[targets[position].serverIndex] = outcome }
        let transition = state.withValue { state -> HealthCounter.Health? in
            switch outcome {
            case .success:
                return state.targets[position].counter.record(success: true)
            case .failure(let reason):
                state.targets[position].lastFailure = reason
                return state.targets[position].counter.record(success: false)
            }
        }
        if let transition {
            report(transition, of: position)
            // `onTransition` may have stopped the checker.
            guard case .running = state.value.phase else { return }
        }
        let delay = Self.nextDelay(interval: interval, using: &state.value.random)
        scheduleProbe(position, in: delay)
    }

    private func report(_ health: HealthCounter.Health, of position: Int) {
        let target = targets[position]
        let counter = state.value.targets[position].counter
        let reason: String
        switch health {
        case .up:
            reason = "\(counter.rise) \(counter.rise == 1 ? "success" : "successes") in a row"
        case .down:
            let failures = "\(counter.fall) \(counter.fall == 1 ? "failure" : "failures") in a row"
            reason = "\(state.value.targets[position].lastFailure), \(failures)"
        }
        verdicts.withLock { $0[target.serverIndex] = health }
        let message: Logger.Message =
            "backend \(backendName) server \(target.serverName) is \(health.logName) (\(reason))"
        switch health {
        case .up: logger.notice(message)
        case .down: logger.warning(message)
        }
        onTransition(target.serverIndex, health, reason)
    }
}
