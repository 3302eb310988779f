import Logging
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The thin I/O shell around ``HeartbeatReceiver`` and ``NodeStateMachine``: a UDP socket on `listen` that sends
/// the signed heartbeat to every peer address each interval, feeds authenticated datagrams (from any path) to
/// the machine, ticks it every `interval / 2` and at its next deadline, and carries out its actions. VIP calls
/// run one at a time, in order, on a task off the event loop, so a slow claim never delays heartbeats.
///
/// Life cycle: ``bind()`` (optional, to learn the bound address), then ``run()`` until the task is cancelled.
/// On cancellation an ACTIVE node releases its VIPs, then advertises FAULT with priority 0, so the peer claims at
/// once instead of after the dead window (a crash still fails over after the dead window).
public final class HeartbeatService: Sendable {
    public typealias Machine = NodeStateMachine<ContinuousClock>

    /// What the service needs; the daemon maps the `ha:` section onto it.
    public struct Configuration: Sendable {
        public var machine: Machine.Configuration
        /// UDP address to bind.
        public var listen: SocketAddress
        /// Every path to the peer; a heartbeat goes to each.
        public var peers: [SocketAddress]
        public var keyring: HeartbeatKeyring
        /// Allowed distance between a sender's timestamp and our wall clock.
        public var clockWindow: Duration
        /// How often the heartbeat log gets a `summary` line.
        public var summaryInterval: Duration

        public init(
            machine: Machine.Configuration,
            listen: SocketAddress,
            peers: [SocketAddress],
            keyring: HeartbeatKeyring,
            clockWindow: Duration = .seconds(10),
            summaryInterval: Duration = .seconds(10)
        ) {
            self.machine = machine
            self.listen = listen
            self.peers = peers
            self.keyring = keyring
            self.clockWindow = clockWindow
            self.summaryInterval = summaryInterval
        }
    }

    private enum VIPCommand: Sendable {
        case claim, release, reannounce
    }

    private struct Core: Sendable {
        var machine: Machine
        var receiver: HeartbeatReceiver
        var peers: [SocketAddress]
        let bootEpoch: UInt64
        var sequence: UInt64 = 0
        /// The newest peer timestamp and when (our monotonic clock) it arrived, for the echo.
        var peerTimestamp: (value: UInt64, receivedAt: ContinuousClock.Instant)?
        var roundTrips = RoundTripSamples()
        var vipFailures: UInt64 = 0
        /// The one-shot tick at the machine's next deadline.
        var deadlineTick: (instant: ContinuousClock.Instant, task: Scheduled<Void>)?
    }

    private let configuration: Configuration
    private let vipController: any VIPController
    private let group: any EventLoopGroup
    private let logger: Logger
    private let events: HeartbeatEventRecorder
    private let clock = ContinuousClock()
    private let core: Mutex<Core>
    private let channel = Mutex<(any Channel)?>(nil)
    private let stopping = Mutex(false)
    private let vipCommands: AsyncStream<VIPCommand>
    private let vipContinuation: AsyncStream<VIPCommand>.Continuation

    public init(
        configuration: Configuration,
        vipController: any VIPController,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "tandem.ha"),
        eventLog: HAEventLog? = nil
    ) {
        self.configuration = configuration
        self.vipController = vipController
        self.group = group
        self.logger = logger
        self.events = HeartbeatEventRecorder(
            log: eventLog ?? HAEventLog(node: configuration.machine.nodeName, path: nil, logger: logger),
            interval: configuration.machine.interval,
            deadWindow: configuration.machine.deadWindow,
            start: ContinuousClock.now
        )
        self.core = Mutex(
            Core(
                machine: Machine(configuration: configuration.machine),
                receiver: HeartbeatReceiver(
                    ownName: configuration.machine.nodeName,
                    keyring: configuration.keyring,
                    clockWindow: configuration.clockWindow
                ),
                peers: configuration.peers,
                bootEpoch: Self.wallClockNanoseconds()
            )
        )
        (vipCommands, vipContinuation) = AsyncStream.makeStream(of: VIPCommand.self)
    }

    /// The bound address once ``bind()`` has run (port 0 in the configuration picks a free port).
    public var localAddress: SocketAddress? {
        channel.withLock { $0?.localAddress }
    }

    /// Replaces the peer addresses (reload; tests that bind to port 0 first).
    public func setPeers(_ peers: [SocketAddress]) {
        core.withLock { $0.peers = peers }
    }

    /// Binds the UDP socket; idempotent.
    public func bind() async throws {
        if channel.withLock({ $0 }) != nil { return }
        // `started` goes to the log before the socket can deliver a peer's heartbeat.
        let (firstState, firstReason) = core.withLock { ($0.machine.state, $0.machine.reason) }
        events.lifecycle(.started, state: firstState, reason: firstReason)
        let bound = try await makeChannel()
        channel.withLock { $0 = bound }
        watch(bound)
    }

    private func makeChannel() async throws -> any Channel {
        try await DatagramBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = HeartbeatDatagramHandler { [self] bytes, _ in self.handle(datagram: bytes) }
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .bind(to: configuration.listen)
            .get()
    }

    /// NIO closes a datagram channel on a send error it deems fatal (ENETUNREACH when the heartbeat link goes
    /// down, EPERM from a firewall rule): the heartbeat must outlive that, so a channel that closes while the
    /// service runs is replaced, retrying every interval, and the link's return heals the pair.
    private func watch(_ bound: any Channel) {
        bound.closeFuture.whenComplete { [self] _ in
            guard !stopping.withLock({ $0 }) else { return }
            logger.error("the heartbeat socket on \(configuration.listen) closed (send error); binding it again")
            Task { await self.rebind() }
        }
    }

    private func rebind() async {
        for attempt in 1...100_000 {
            if stopping.withLock({ $0 }) { return }
            do {
                let bound = try await makeChannel()
                if stopping.withLock({ $0 }) {
                    try? await bound.close()
                    return
                }
                channel.withLock { $0 = bound }
                watch(bound)
                logger.notice("the heartbeat socket is bound again", metadata: ["attempts": "\(attempt)"])
                return
            } catch {
                if attempt == 1 { logger.error("cannot bind the heartbeat socket again yet: \(error)") }
                try? await Task.sleep(for: configuration.machine.interval)
            }
        }
    }

    /// Runs until the calling task is cancelled: ticks, heartbeats and VIP calls; then steps down and closes.
    public func run() async throws {
        try await bind()
        guard let channel = channel.withLock({ $0 }) else { return }
        let vipTask = Task { [self] in await executeVIPCommands() }
        let summaryEvery = TimeAmount.nanoseconds(Int64(HeartbeatReceiver.nanoseconds(configuration.summaryInterval)))
        let summaries = channel.eventLoop.scheduleRepeatedTask(initialDelay: summaryEvery, delay: summaryEvery) {
            [self] _ in
            let status = self.status()
            self.events.summarize(at: clock.now, state: status.state, peerState: status.peer?.state)
        }
        let tickEvery = TimeAmount.nanoseconds(Int64(HeartbeatReceiver.nanoseconds(configuration.machine.interval / 2)))
        let ticker = channel.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: tickEvery) { [self] _ in
            self.deliver(.tick(clock.now))
        }
        let (cancelled, cancelledContinuation) = AsyncStream.makeStream(of: Void.self)
        await withTaskCancellationHandler {
            for await _ in cancelled {}
        } onCancel: {
            cancelledContinuation.finish()
        }
        ticker.cancel()
        summaries.cancel()
        core.withLock { core in
            core.deadlineTick?.task.cancel()
            core.deadlineTick = nil
        }
        vipContinuation.finish()
        await vipTask.value
        if core.withLock({ $0.machine.state == .active }) {
            do {
                try await vipController.release()
            } catch {
                logger.error("releasing the VIPs at shutdown failed: \(error)")
            }
        }
        sendFarewell()
        stopping.withLock { $0 = true }
        try? await self.channel.withLock({ $0 })?.close()
        self.channel.withLock { $0 = nil }
        events.lifecycle(.stopped, state: .fault, reason: "shut down: VIPs released, FAULT sent to the peer")
    }

    /// Feeds a track result, backend health or an administrator's command (or a tick) to the machine.
    public func deliver(_ event: Machine.Event) {
        if case .tick(let now) = event { events.tick(at: now) }
        let (actions, deadline) = core.withLock { ($0.machine.receive(event), $0.machine.nextDeadline) }
        perform(actions)
        scheduleTick(at: deadline)
    }

    /// Keeps one tick scheduled at the machine's next deadline (replacing an earlier one).
    private func scheduleTick(at deadline: ContinuousClock.Instant?) {
        guard let deadline, let eventLoop = channel.withLock({ $0?.eventLoop }) else { return }
        let delay = clock.now.duration(to: deadline)
        let nanoseconds = delay > .zero ? Int64(HeartbeatReceiver.nanoseconds(delay)) : 0
        core.withLock { core in
            if let scheduled = core.deadlineTick {
                if scheduled.instant == deadline { return }
                scheduled.task.cancel()
            }
            let task = eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) { [self] in
                self.core.withLock { core in
                    if core.deadlineTick?.instant == deadline { core.deadlineTick = nil }
                }
                self.deliver(.tick(clock.now))
            }
            core.deadlineTick = (deadline, task)
        }
    }

    /// A snapshot for `tandem status`.
    public func status() -> HeartbeatStatus {
        let now = clock.now
        return core.withLock { core in
            let machine = core.machine
            let peer = machine.peer.map { peer in
                let age = peer.lastHeard.duration(to: now)
                return HeartbeatStatus.PeerStatus(
                    name: peer.name,
                    state: peer.state,
                    priority: peer.priority,
                    flags: peer.flags,
                    lastHeardAge: age,
                    stateAge: peer.stateSince.duration(to: now),
                    alive: age < machine.configuration.deadWindow
                )
            }
            return HeartbeatStatus(
                nodeName: machine.configuration.nodeName,
                state: machine.state,
                reason: machine.reason,
                configuredPriority: machine.configuration.priority,
                effectivePriority: machine.effectivePriority,
                steppedDown: machine.isSteppedDown,
                holdRemaining: machine.stepDownEnds.map { max(.zero, now.duration(to: $0)) },
                peer: peer,
                rttMedian: core.roundTrips.percentile(50),
                rttP99: core.roundTrips.percentile(99),
                accepted: core.receiver.accepted,
                rejections: core.receiver.rejections,
                failingTracks: machine.failingTracks.sorted(),
                counters: machine.counters,
                vipFailures: core.vipFailures
            )
        }
    }

    // MARK: - Receiving

    private func handle(datagram: [UInt8]) {
        let arrival = clock.now
        let wallNow = Self.wallClockNanoseconds()
        var rejected: HeartbeatRejection?
        var accepted: (name: String, roundTrip: Duration?)?
        let actions = core.withLock { core -> [Machine.Action] in
            switch core.receiver.receive(datagram, wallClockNanoseconds: wallNow) {
            case .failure(let rejection):
                if rejection != .duplicate { rejected = rejection }
                return []
            case .success(let heartbeat):
                var roundTrip: Duration?
                if heartbeat.echo != 0, wallNow > heartbeat.echo, wallNow - heartbeat.echo < 10_000_000_000 {
                    let sample = Duration.nanoseconds(Int64(wallNow - heartbeat.echo))
                    core.roundTrips.add(sample)
                    roundTrip = sample
                }
                accepted = (heartbeat.nodeName, roundTrip)
                core.peerTimestamp = (heartbeat.timestamp, arrival)
                let peerHeartbeat = Machine.PeerHeartbeat(
                    name: heartbeat.nodeName,
                    epoch: heartbeat.bootEpoch,
                    state: heartbeat.state,
                    flags: heartbeat.flags,
                    priority: heartbeat.priority,
                    arrival: arrival
                )
                return core.machine.receive(.heartbeat(peerHeartbeat))
            }
        }
        if let rejected { events.rejected(rejected, at: arrival) }
        if let accepted { events.accepted(from: accepted.name, at: arrival, roundTrip: accepted.roundTrip) }
        perform(actions)
        scheduleTick(at: core.withLock { $0.machine.nextDeadline })
    }

    // MARK: - Acting

    private func perform(_ actions: [Machine.Action]) {
        for action in actions {
            switch action {
            case .send(let advertisement):
                send(advertisement)
            case .claimVIPs:
                vipContinuation.yield(.claim)
            case .releaseVIPs:
                vipContinuation.yield(.release)
            case .reannounceVIPs:
                vipContinuation.yield(.reannounce)
            case .log(let transition):
                events.transition(transition)
            }
        }
    }

    private func send(_ advertisement: Machine.Advertisement) {
        guard let channel = channel.withLock({ $0 }) else { return }
        let now = clock.now
        let wallNow = Self.wallClockNanoseconds()
        let (packet, peers) = core.withLock { core -> ([UInt8], [SocketAddress]) in
            core.sequence += 1
            var echo: UInt64 = 0
            if let peerTimestamp = core.peerTimestamp {
                echo = peerTimestamp.value &+ HeartbeatReceiver.nanoseconds(peerTimestamp.receivedAt.duration(to: now))
            }
            let heartbeat = Heartbeat(
                keyID: core.receiver.keyring.signingKey.id,
                nodeName: configuration.machine.nodeName,
                bootEpoch: core.bootEpoch,
                sequence: core.sequence,
                state: advertisement.state,
                flags: advertisement.flags,
                priority: advertisement.priority,
                timestamp: wallNow,
                echo: echo
            )
            return (heartbeat.signed(with: core.receiver.keyring), core.peers)
        }
        events.sentHeartbeat()
        for peer in peers {
            let buffer = channel.allocator.buffer(bytes: packet)
            channel.writeAndFlush(AddressedEnvelope(remoteAddress: peer, data: buffer), promise: nil)
        }
    }

    /// The last word of a stopping node: FAULT with priority 0, so the peer claims without waiting.
    private func sendFarewell() {
        send(Machine.Advertisement(state: .fault, priority: 0))
    }

    private func executeVIPCommands() async {
        for await command in vipCommands {
            do {
                switch command {
                case .claim: try await vipController.claim()
                case .release: try await vipController.release()
                case .reannounce: try await vipController.reannounce()
                }
            } catch {
                core.withLock { $0.vipFailures += 1 }
                logger.error("VIP \(command) failed: \(error)")
            }
        }
    }

    static func wallClockNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
