import Logging
import NIOCore
import Synchronization

/// Brings the helper to what one group's machine wants (hold the group's VIPs or not), one call at a time, in
/// order, and keeps it there. The service runs one per VIP group; the first also keeps the farewell armed.
///
/// - A failed call is retried with backoff (20 ms doubling to 1 s). A claim that keeps failing for
///   `retryLimit` reports the `vip-claim` track failing, so the node goes FAULT and its peer takes over; the
///   track recovers after `faultHold`, and the node may be a candidate again. A release is retried until it
///   succeeds: a node that may not hold an address must not keep trying less hard to drop it.
/// - ``reconcile()`` compares the helper's report with what should be held, both ways (a VIP removed by hand
///   from the ACTIVE, one left on the STANDBY), and converges again when they differ.
/// - What is applied starts unknown, so the first convergence releases everything: a VIP left by an earlier
///   crash does not stay.
final class VIPRunner: Sendable {
    private enum Command: Sendable {
        case converge, reannounce, reconcile, armFarewell, stop
    }

    private struct State: Sendable {
        var desired = false
        /// What the helper was last brought to; nil: unknown (at start, after a reconciliation found a gap).
        var applied: Bool?
        var failingSince: ContinuousClock.Instant?
        var attempts = 0
        var faulted = false
        var retry: Scheduled<Void>?
        var farewell: (packet: [UInt8], destinations: [SocketAddress])?
        var failures: UInt64 = 0
        var problem: String?
        var stopped = false
    }

    private let controller: any VIPController
    private let retryLimit: Duration
    private let faultHold: Duration
    private let logger: Logger
    private let events: HeartbeatEventRecorder
    private let state = Mutex(State())
    private let commands: AsyncStream<Command>
    private let continuation: AsyncStream<Command>.Continuation
    private let eventLoop = Mutex<(any EventLoop)?>(nil)
    /// The group, named in the heartbeat log when the node has `ha.groups`.
    private let group: String?

    init(
        controller: any VIPController,
        retryLimit: Duration,
        faultHold: Duration,
        logger: Logger,
        events: HeartbeatEventRecorder,
        group: String? = nil
    ) {
        self.group = group
        self.controller = controller
        self.retryLimit = retryLimit
        self.faultHold = faultHold
        self.logger = logger
        self.events = events
        (commands, continuation) = AsyncStream.makeStream(of: Command.self)
    }

    /// VIP calls that failed.
    var failures: UInt64 { state.withLock { $0.failures } }
    /// The newest failure, while calls keep failing.
    var problem: String? { state.withLock { $0.problem } }

    /// Whether this node should hold the VIPs.
    func hold(_ desired: Bool) {
        state.withLock { $0.desired = desired }
        continuation.yield(.converge)
    }

    func reannounce() { continuation.yield(.reannounce) }
    func reconcile() { continuation.yield(.reconcile) }

    func armFarewell(_ packet: [UInt8], destinations: [SocketAddress]) {
        state.withLock { $0.farewell = (packet, destinations) }
        continuation.yield(.armFarewell)
    }

    /// Releases (retrying a few times), withdraws the farewell, and ends ``run(on:fault:)``.
    func shutDown() async {
        state.withLock { state in
            state.desired = false
            state.stopped = true
            state.retry?.cancel()
        }
        continuation.yield(.stop)
    }

    /// Serves commands until ``shutDown()``; `fault` reports the `vip-claim` track.
    func run(on eventLoop: any EventLoop, fault: @escaping @Sendable (Bool) -> Void) async {
        self.eventLoop.withLock { $0 = eventLoop }
        continuation.yield(.converge)
        for await command in commands {
            switch command {
            case .converge:
                await converge(fault: fault)
            case .reannounce:
                if state.withLock({ $0.applied == true && $0.desired }) {
                    _ = await call("re-announce") { try await controller.reannounce() }
                }
            case .reconcile:
                await compareWithHelper()
                await converge(fault: fault)
            case .armFarewell:
                await arm()
            case .stop:
                await stop()
                return
            }
        }
    }

    private func converge(fault: @escaping @Sendable (Bool) -> Void) async {
        let (desired, applied, stopped) = state.withLock { ($0.desired, $0.applied, $0.stopped) }
        guard !stopped, applied != desired else { return }
        let ok = await call(desired ? "claim" : "release") {
            if desired { try await controller.claim() } else { try await controller.release() }
        }
        let now = ContinuousClock.now
        let giveUp = state.withLock { state -> Bool in
            if ok {
                // What the helper now holds, even if a newer decision is queued (its own convergence follows).
                state.applied = desired
                guard state.desired == desired else { return false }
                state.failingSince = nil
                state.attempts = 0
                // A release during the claim FAULT does not clear why the claim failed.
                if desired || !state.faulted { state.problem = nil }
                return false
            }
            state.applied = nil
            guard state.desired == desired else { return false }  // a newer decision is queued
            state.attempts += 1
            let since = state.failingSince ?? now
            state.failingSince = since
            scheduleRetry(&state)
            return desired && !state.faulted && since.duration(to: now) >= retryLimit
        }
        guard giveUp else { return }
        let problem = self.problem ?? "unknown error"
        events.notice(.vipFault, ok: false, error: problem, group: group)
        state.withLock { $0.faulted = true }
        fault(false)
        let hold = TimeAmount(faultHold)
        eventLoop.withLock { $0 }?.scheduleTask(in: hold) { [self] in
            state.withLock { $0.faulted = false }
            events.notice(.vipFault, ok: true, group: self.group)
            fault(true)
        }
    }

    private func scheduleRetry(_ state: inout State) {
        state.retry?.cancel()
        let delay = min(20 << min(state.attempts - 1, 10), 1000)
        state.retry = eventLoop.withLock { $0 }?.scheduleTask(in: .milliseconds(Int64(delay))) { [continuation] in
            continuation.yield(.converge)
        }
    }

    /// Asks the helper what it holds; a difference from what was applied makes the next convergence act.
    private func compareWithHelper() async {
        guard let duties = controller as? any VIPHelperDuties else { return }
        let (applied, desired) = state.withLock { ($0.applied, $0.desired) }
        guard let applied, applied == desired else { return }  // a convergence is under way
        let holdings: VIPHoldings
        do {
            holdings = try await duties.holdings()
        } catch {
            return  // no helper connection: its loss is a track of its own
        }
        let wrong = desired ? holdings.missing : holdings.present
        guard !wrong.isEmpty else { return }
        let what =
            desired
            ? "ACTIVE but the helper does not hold \(wrong.joined(separator: ", ")): claiming again"
            : "not ACTIVE but the helper holds \(wrong.joined(separator: ", ")): releasing"
        logger.warning("reconciliation: \(what)")
        events.notice(.reconcile, reason: what, group: group)
        state.withLock { state in
            if state.applied == applied && state.desired == desired { state.applied = nil }
        }
    }

    private func arm() async {
        guard let duties = controller as? any VIPHelperDuties,
            let farewell = state.withLock({ $0.farewell })
        else { return }
        do {
            try await duties.armFarewell(farewell.packet, destinations: farewell.destinations)
        } catch {
            logger.warning("cannot arm the crash farewell in the VIP helper: \(error)")
        }
    }

    private func stop() async {
        let applied = state.withLock { $0.applied }
        if applied != false {
            for attempt in 1...3 {
                if await call("release", { try await controller.release() }) { break }
                if attempt < 3 { try? await Task.sleep(for: .milliseconds(50)) }
            }
        }
        if let duties = controller as? any VIPHelperDuties, state.withLock({ $0.farewell != nil }) {
            try? await duties.disarmFarewell()
        }
    }

    /// Runs one controller call; false (and the problem recorded) when it threw.
    private func call(_ what: String, _ body: () async throws -> Void) async -> Bool {
        do {
            try await body()
            return true
        } catch {
            state.withLock { state in
                state.failures += 1
                // During the claim FAULT, the claim's failure stays the reason shown.
                if !state.faulted { state.problem = "\(what): \(error)" }
            }
            logger.error("VIP \(what) failed: \(error)")
            return false
        }
    }
}
