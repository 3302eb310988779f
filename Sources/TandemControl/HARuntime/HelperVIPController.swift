import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import TandemHA
import TandemNetlink

/// The daemon's ``VIPController``: claims, releases and re-announces every configured VIP through the
/// privileged helper (`tandem vip-helper`), logging each call's steps and their durations on one line.
///
/// As a `Service` it watches the helper connection. When the connection drops (the helper died or restarted)
/// it reports `false` to its observer — the daemon turns that into the failing track `vip-helper`, so the node
/// goes FAULT and its peer takes over — then reconnects (every 10 to 50 ms); once back, it releases every
/// VIP (a restarted helper does not know what its predecessor added) and reports `true`.
public final class HelperVIPController: VIPHelperDuties, Service, Sendable {
    /// Opens a new helper connection.
    public typealias Connect = @Sendable () async throws -> VIPHelperClient

    /// The VIPs moved, in configuration order.
    public let bindings: [VIPBinding]
    private let connect: Connect
    private let logger: Logger
    private let client: Mutex<VIPHelperClient?>
    private let observer = Mutex<(@Sendable (Bool) -> Void)?>(nil)
    private let shuttingDown = Mutex(false)
    private let eventLog = Mutex<HAEventLog?>(nil)
    private let callObserver = Mutex<(@Sendable (Duration) -> Void)?>(nil)
    private let losses: AsyncStream<Void>
    private let lossContinuation: AsyncStream<Void>.Continuation

    /// - Parameters:
    ///   - bindings: every VIP and its interface.
    ///   - client: the connection opened at start.
    ///   - connect: how to reconnect after the connection drops.
    public init(bindings: [VIPBinding], client: VIPHelperClient, connect: @escaping Connect, logger: Logger) {
        self.bindings = bindings
        self.connect = connect
        self.logger = logger
        self.client = Mutex(client)
        (losses, lossContinuation) = AsyncStream.makeStream(of: Void.self)
        watch(client)
    }

    /// Calls `observer` with false when the helper connection drops and true when it is back.
    public func onConnectionChange(_ observer: @escaping @Sendable (Bool) -> Void) {
        self.observer.withLock { $0 = observer }
    }

    /// Also writes each VIP call's result, steps and durations to the heartbeat log (JSON only: this controller
    /// logs its own line for people).
    public func recordEvents(to log: HAEventLog) {
        eventLog.withLock { $0 = log }
    }

    /// Calls `observer` with the duration of every VIP helper call, per VIP (the metrics' histogram).
    public func observeCallDurations(_ observer: @escaping @Sendable (Duration) -> Void) {
        callObserver.withLock { $0 = observer }
    }

    public func claim() async throws { try await claim(bindings, group: nil) }
    public func release() async throws { try await release(bindings, group: nil) }
    public func reannounce() async throws { try await reannounce(bindings, group: nil) }
    public func holdings() async throws -> VIPHoldings { try await holdings(bindings) }

    /// The controller of one VIP group's addresses (`ha.groups`), through the same helper connection.
    public func group(_ name: String, bindings: [VIPBinding]) -> HelperVIPGroupController {
        HelperVIPGroupController(name: name, bindings: bindings, parent: self)
    }

    func claim(_ bindings: [VIPBinding], group: String?) async throws {
        try await forEachBinding(bindings, group: group, "claimed", .vipClaim) { client, binding in
            try await client.claim(vip: binding.vip, interface: binding.interface)
        }
    }

    func release(_ bindings: [VIPBinding], group: String?) async throws {
        try await forEachBinding(bindings, group: group, "released", .vipRelease) { client, binding in
            try await client.release(vip: binding.vip, interface: binding.interface)
        }
    }

    func reannounce(_ bindings: [VIPBinding], group: String?) async throws {
        try await forEachBinding(bindings, group: group, "re-announced", .vipAnnounce) { client, binding in
            try await client.announce(vip: binding.vip, interface: binding.interface)
        }
    }

    func holdings(_ bindings: [VIPBinding]) async throws -> VIPHoldings {
        guard let client = client.withLock({ $0 }) else {
            throw HelperVIPControllerError(failures: ["no connection to the VIP helper"])
        }
        let entries = try await client.list()
        var present: [String] = []
        var missing: [String] = []
        for binding in bindings {
            let held = entries.contains { entry in
                entry.present && entry.interface == binding.interface && VIP(parsing: entry.vip) == binding.vip
            }
            if held { present.append(binding.description) } else { missing.append(binding.description) }
        }
        return VIPHoldings(present: present, missing: missing)
    }

    public func armFarewell(_ packet: [UInt8], destinations: [SocketAddress]) async throws {
        guard let client = client.withLock({ $0 }) else { return }
        try await client.arm(farewell: packet, destinations: destinations)
    }

    public func disarmFarewell() async throws {
        try await client.withLock({ $0 })?.disarm()
    }

    /// Reconnects after each connection loss until graceful shutdown; then closes the connection, which makes
    /// the helper release anything this daemon still holds.
    public func run() async throws {
        await withTaskCancellationOrGracefulShutdownHandler {
            for await _ in losses {
                if shuttingDown.withLock({ $0 }) { break }
                observer.withLock { $0 }?(false)
                logger.error("lost the connection to the VIP helper; FAULT until it is back")
                await reconnect()
            }
        } onCancelOrGracefulShutdown: { [self] in
            shuttingDown.withLock { $0 = true }
            lossContinuation.finish()
        }
        await client.withLock { $0 }?.close()
    }

    private func reconnect() async {
        var attempt = 0
        while !shuttingDown.withLock({ $0 }) {
            attempt += 1
            do {
                let fresh = try await connect()
                client.withLock { $0 = fresh }
                watch(fresh)
                logger.notice("reconnected to the VIP helper", metadata: ["attempt": "\(attempt)"])
                try? await release()
                observer.withLock { $0 }?(true)
                return
            } catch {
                if attempt == 1 || attempt.isMultiple(of: 600) {
                    logger.warning("cannot reach the VIP helper yet: \(error)")
                }
                // Every 50 ms at most (a connect to a missing socket costs microseconds): a restarted helper is
                // back in milliseconds, and until this node releases through it, the VIP its predecessor left
                // stays on the interface while the peer holds it.
                let backoff = min(10 << min(attempt - 1, 6), 50)
                try? await Task.sleep(for: .milliseconds(backoff))  // ends early when the task is cancelled
            }
        }
    }

    private func watch(_ client: VIPHelperClient) {
        client.closeFuture.whenComplete { [self] _ in
            let expected = shuttingDown.withLock { $0 }
            self.client.withLock { current in
                if current === client { current = nil }
            }
            if !expected { lossContinuation.yield() }
        }
    }

    /// Runs `call` for every binding (all of them even if one fails), logs one line per VIP, and throws a
    /// summary of the failures.
    private func forEachBinding(
        _ bindings: [VIPBinding],
        group: String?,
        _ verb: String,
        _ kind: HAEvent.Kind,
        _ call: (VIPHelperClient, VIPBinding) async throws -> ClaimReport
    ) async throws {
        guard let client = client.withLock({ $0 }) else {
            throw HelperVIPControllerError(failures: ["no connection to the VIP helper"])
        }
        var failures: [String] = []
        let eventLog = eventLog.withLock { $0 }
        for binding in bindings {
            let started = ContinuousClock.now
            do {
                let report = try await call(client, binding)
                let elapsed = started.duration(to: .now)
                callObserver.withLock { $0 }?(elapsed)
                let total = HAStatusReport.milliseconds(elapsed)
                let which = group.map { " (group \($0))" } ?? ""
                logger.notice(
                    "\(verb) \(binding)\(which) in \(Self.format(total)) ms (\(Self.describe(report.steps)))"
                )
                var event = Self.event(kind, binding, elapsed, report.steps, error: nil, node: eventLog?.node)
                event.group = group
                eventLog?.write(event)
            } catch {
                logger.error("\(verb) \(binding) failed: \(error)")
                failures.append("\(binding): \(error)")
                let elapsed = started.duration(to: .now)
                var event = Self.event(kind, binding, elapsed, [], error: "\(error)", node: eventLog?.node)
                event.group = group
                eventLog?.write(event)
            }
        }
        if !failures.isEmpty { throw HelperVIPControllerError(failures: failures) }
    }

    /// The heartbeat-log line for one VIP call; a step's detail is its result and, for announcements, the plan.
    static func event(
        _ kind: HAEvent.Kind,
        _ binding: VIPBinding,
        _ total: Duration,
        _ steps: [VIPHelperStep],
        error: String?,
        node: String?
    ) -> HAEvent {
        let eventSteps = steps.map { step in
            var details: [String] = []
            if let result = step.result { details.append(result) }
            if let count = step.count, let planned = step.plannedMs {
                details.append("\(count) over \(format(planned)) ms")
            }
            let detail = details.isEmpty ? nil : details.joined(separator: ", ")
            return HAEvent.Step(step: step.step, ms: step.ms, detail: detail)
        }
        return .vip(
            kind,
            vip: binding.vip.description,
            interface: binding.interface,
            total: total,
            steps: eventSteps,
            error: error,
            node: node ?? ""
        )
    }

    /// `interface-lookup 0.012 ms, netlink-add 0.402 ms added, garp 0.051 ms (3 over 200 ms)`.
    static func describe(_ steps: [VIPHelperStep]) -> String {
        steps.map { step in
            var text = "\(step.step) \(format(step.ms)) ms"
            if let result = step.result { text += " \(result)" }
            if let count = step.count, let planned = step.plannedMs {
                text += " (\(count) over \(format(planned)) ms)"
            }
            return text
        }.joined(separator: ", ")
    }

    /// Milliseconds with three decimals.
    static func format(_ milliseconds: Double) -> String {
        let thousandths = Int((milliseconds * 1000).rounded())
        let fraction = String(thousandths % 1000)
        return "\(thousandths / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }
}

/// One VIP group's share of ``HelperVIPController``: claims, releases, announcements and the reconciliation
/// cover the group's addresses only; the farewell is the connection's, armed through any group.
public struct HelperVIPGroupController: VIPHelperDuties {
    public let name: String
    public let bindings: [VIPBinding]
    let parent: HelperVIPController

    public func claim() async throws { try await parent.claim(bindings, group: name) }
    public func release() async throws { try await parent.release(bindings, group: name) }
    public func reannounce() async throws { try await parent.reannounce(bindings, group: name) }
    public func holdings() async throws -> VIPHoldings { try await parent.holdings(bindings) }

    public func armFarewell(_ packet: [UInt8], destinations: [SocketAddress]) async throws {
        try await parent.armFarewell(packet, destinations: destinations)
    }

    public func disarmFarewell() async throws {
        try await parent.disarmFarewell()
    }
}
