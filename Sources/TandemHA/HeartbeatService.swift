import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The thin I/O shell around ``HeartbeatReceiver``, ``GroupElections`` (one ``NodeStateMachine`` per VIP group),
/// ``PeerClock`` and ``HeartbeatComposer``: a UDP socket on `listen` that sends the signed heartbeat (every
/// group's state in one datagram) to every peer address each interval, feeds authenticated datagrams (from any
/// path) to the elections, ticks them every `interval / 2` and at their next deadline, and carries out their
/// actions.
///
/// Give it an event loop group of its own (the daemon makes a one-thread group): its socket, timers and the
/// helper connection then never wait behind the data plane, so a stalled proxy loop cannot look like a frozen
/// node.
///
/// VIPs converge per group: a group's machine sets whether this node should hold its VIPs, and one task per
/// group (``VIPRunner``) brings the helper there, one call at a time — retrying failures with backoff, going FAULT when a claim keeps failing
/// (the peer then takes over), retrying releases until they succeed, and every few seconds comparing what the
/// helper reports with what it should hold. At start it releases everything: a VIP left by an earlier crash
/// must not stay on a node that is not ACTIVE.
///
/// Life cycle: ``bind()`` (optional, to learn the bound address), then ``run()`` until the task is cancelled.
/// On cancellation an ACTIVE node releases its VIPs, then advertises FAULT with priority 0, so the peer claims at
/// once. If the daemon dies instead, its helper sends the farewell armed at start, with the same effect.
public final class HeartbeatService: Sendable {
    public typealias Machine = NodeStateMachine<ContinuousClock>
    public typealias Elections = GroupElections<ContinuousClock>

    /// One VIP group's election settings; the rest of ``Configuration/machine`` is the node's.
    public struct Group: Sendable, Hashable {
        public var name: String
        public var priority: Int
        public var preempt: Bool
        public var preemptDelay: Duration

        public init(name: String, priority: Int, preempt: Bool, preemptDelay: Duration) {
            self.name = name
            self.priority = priority
            self.preempt = preempt
            self.preemptDelay = preemptDelay
        }
    }

    /// The name of the one group of a node configured without `groups:` (it travels in every heartbeat); the
    /// same as TandemConfig's `VIPGroupSettings.implicitName`, so the config's groups and the service's agree by
    /// name in both forms (a test checks it).
    public static let implicitGroupName = "default"

    /// What the service needs; the daemon maps the `ha:` section onto it.
    public struct Configuration: Sendable {
        /// The node's election settings: name, timing, backend penalty, and the priority and preemption of the
        /// implicit group when ``groups`` is empty.
        public var machine: Machine.Configuration
        /// The VIP groups; empty: one group named ``HeartbeatService/implicitGroupName`` with `machine`'s
        /// priority and preemption.
        public var groups: [Group]
        /// UDP address to bind.
        public var listen: SocketAddress
        /// Every path to the peer; a heartbeat goes to each.
        public var peers: [SocketAddress]
        public var keyring: HeartbeatKeyring
        /// How much later than the fastest heartbeat one may arrive (monotonic clocks; see ``FreshnessCheck``).
        public var freshnessWindow: Duration
        /// How often the heartbeat log gets a `summary` line.
        public var summaryInterval: Duration
        /// The boot epoch and the peers' known epochs; nil: the wall-clock nanosecond at start (tests).
        public var stateFile: HAStateFile?
        /// How often the VIPs the helper holds are compared with what this node should hold.
        public var reconcileInterval: Duration
        /// How long a failing claim is retried before the node goes FAULT.
        public var claimRetryLimit: Duration
        /// How long that FAULT lasts before the node may be a candidate again.
        public var claimFaultHold: Duration
        /// Called with every measured heartbeat round trip (the metrics' RTT histogram), on the heartbeat loop.
        public var observeRoundTrip: (@Sendable (Duration) -> Void)?

        public init(
            machine: Machine.Configuration,
            listen: SocketAddress,
            peers: [SocketAddress],
            keyring: HeartbeatKeyring,
            freshnessWindow: Duration = .seconds(1),
            summaryInterval: Duration = .seconds(10),
            stateFile: HAStateFile? = nil,
            reconcileInterval: Duration = .seconds(5),
            claimRetryLimit: Duration = .seconds(1),
            claimFaultHold: Duration = .seconds(10),
            observeRoundTrip: (@Sendable (Duration) -> Void)? = nil,
            groups: [Group] = []
        ) {
            self.machine = machine
            self.groups = groups
            self.listen = listen
            self.peers = peers
            self.keyring = keyring
            self.freshnessWindow = freshnessWindow
            self.summaryInterval = summaryInterval
            self.stateFile = stateFile
            self.reconcileInterval = reconcileInterval
            self.claimRetryLimit = claimRetryLimit
            self.claimFaultHold = claimFaultHold
            self.observeRoundTrip = observeRoundTrip
        }

        /// Whether groups are declared: logs, tracks and the status then name them (the implicit one is not named).
        var namesGroups: Bool { !groups.isEmpty }

        /// Every group, the implicit one included.
        public var effectiveGroups: [Group] {
            guard groups.isEmpty else { return groups }
            return [
                Group(
                    name: HeartbeatService.implicitGroupName,
                    priority: machine.priority,
                    preempt: machine.preempt,
                    preemptDelay: machine.preemptDelay
                )
            ]
        }

        /// The machine configuration of each group.
        var groupMachines: [(name: String, configuration: Machine.Configuration)] {
            effectiveGroups.map { group in
                var configuration = machine
                configuration.priority = group.priority
                configuration.preempt = group.preempt
                configuration.preemptDelay = group.preemptDelay
                return (group.name, configuration)
            }
        }
    }

    /// One group's VIP convergence.
    struct GroupRunner: Sendable {
        let group: String
        let runner: VIPRunner
    }

    private struct Core: Sendable {
        var elections: Elections
        var receiver: HeartbeatReceiver
        var composer: HeartbeatComposer
        var peerClock = PeerClock()
        var peers: [SocketAddress]
        /// The one-shot tick at the machine's next deadline.
        var deadlineTick: (instant: ContinuousClock.Instant, task: Scheduled<Void>)?
        /// The clocks at the previous periodic tick, to classify a long gap (``PauseCause``).
        var lastTick: (boottime: UInt64, monotonic: UInt64, threadCPU: UInt64)?
        var lastPause: String?
        /// The newest state changes, oldest first, for the status page.
        var recentTransitions: [HeartbeatStatus.TransitionRecord] = []
        var sent: UInt64 = 0
    }

    private let configuration: Configuration
    private let group: any EventLoopGroup
    private let logger: Logger
    private let events: HeartbeatEventRecorder
    private let clock = ContinuousClock()
    private let core: Mutex<Core>
    /// The socket heartbeats arrive on (`listen`).
    private let channel = Mutex<(any Channel)?>(nil)
    /// The socket heartbeats leave from (the listen address, an ephemeral port).
    private let sendChannel = Mutex<(any Channel)?>(nil)
    private let sendErrors = Mutex<(lastLogged: ContinuousClock.Instant?, suppressed: Int)>((nil, 0))
    private let stopping = Mutex(false)
    /// One runner per group, in configuration order; the first also keeps the crash farewell armed.
    let runners: [GroupRunner]

    /// A service whose every group moves its VIPs through `vipController` (one group, or tests).
    public convenience init(
        configuration: Configuration,
        vipController: any VIPController,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "tandem.ha"),
        eventLog: HAEventLog? = nil
    ) {
        self.init(
            configuration: configuration,
            vipControllers: { _ in vipController },
            group: group,
            logger: logger,
            eventLog: eventLog
        )
    }

    /// - Parameter vipControllers: the controller of each group's VIPs, by group name.
    public init(
        configuration: Configuration,
        vipControllers: (String) -> any VIPController,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "tandem.ha"),
        eventLog: HAEventLog? = nil
    ) {
        self.configuration = configuration
        self.group = group
        self.logger = logger
        let events = HeartbeatEventRecorder(
            log: eventLog ?? HAEventLog(node: configuration.machine.nodeName, path: nil, logger: logger),
            interval: configuration.machine.interval,
            deadWindow: configuration.machine.deadWindow,
            start: ContinuousClock.now
        )
        self.events = events
        let epoch = configuration.stateFile?.epoch ?? HAClocks.wall()
        self.core = Mutex(
            Core(
                elections: Elections(configuration.groupMachines),
                receiver: HeartbeatReceiver(
                    ownName: configuration.machine.nodeName,
                    keyring: configuration.keyring,
                    freshnessWindow: configuration.freshnessWindow,
                    knownEpochs: configuration.stateFile?.peerEpochs ?? [:]
                ),
                composer: HeartbeatComposer(nodeName: configuration.machine.nodeName, bootEpoch: epoch),
                peers: configuration.peers
            )
        )
        self.runners = configuration.effectiveGroups.map { settings in
            GroupRunner(
                group: settings.name,
                runner: VIPRunner(
                    controller: vipControllers(settings.name),
                    retryLimit: configuration.claimRetryLimit,
                    faultHold: configuration.claimFaultHold,
                    logger: logger,
                    events: events,
                    group: configuration.namesGroups ? settings.name : nil
                )
            )
        }
    }

    /// The bound address once ``bind()`` has run (port 0 in the configuration picks a free port).
    public var localAddress: SocketAddress? {
        channel.withLock { $0?.localAddress }
    }

    /// This run's boot epoch.
    public var bootEpoch: UInt64 { core.withLock { $0.composer.bootEpoch } }

    /// Replaces the peer addresses (reload; tests that bind to port 0 first); the farewell is armed again.
    public func setPeers(_ peers: [SocketAddress]) {
        core.withLock { $0.peers = peers }
        armFarewell()
    }

    /// Replaces the keys (SIGHUP re-read the key file): new heartbeats are signed with the new signing key, the
    /// new set verifies, and the helper gets a farewell signed with the new key.
    public func replaceKeyring(_ keyring: HeartbeatKeyring) {
        core.withLock { $0.receiver.keyring = keyring }
        armFarewell()
    }

    /// Binds the UDP sockets; idempotent.
    public func bind() async throws {
        if channel.withLock({ $0 }) != nil { return }
        // `started` goes to the log before the socket can deliver a peer's heartbeat.
        let (firstState, firstReason) = core.withLock { core in
            (core.elections.summaryState, core.elections.elections[0].machine.reason)
        }
        events.lifecycle(.started, state: firstState, reason: firstReason)
        let bound = try await makeChannel(.receive)
        channel.withLock { $0 = bound }
        watch(bound, .receive)
        do {
            let sender = try await makeChannel(.send)
            sendChannel.withLock { $0 = sender }
            watch(sender, .send)
        } catch {
            try? await bound.close()
            channel.withLock { $0 = nil }
            throw error
        }
    }

    /// Which of the two sockets: heartbeats arrive on `listen`, and leave from a socket of their own on the
    /// same address with an ephemeral port. NIO closes a datagram channel on a send error it deems fatal (EPERM
    /// from a firewall rule, ENETUNREACH when the link goes down); with one socket for both, every failed send
    /// would also drop the peer's heartbeats arriving while it is bound again, and a node whose own heartbeats
    /// are filtered would lose its peer too.
    private enum Role: CustomStringConvertible {
        case receive, send
        var description: String { self == .receive ? "receiving" : "sending" }
    }

    private func makeChannel(_ role: Role) async throws -> any Channel {
        let address =
            role == .receive
            ? configuration.listen
            : try SocketAddress(ipAddress: configuration.listen.ipAddress ?? "0.0.0.0", port: 0)
        return try await DatagramBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    guard role == .receive else { return }
                    let handler = HeartbeatDatagramHandler { [self] bytes, source in
                        self.handle(datagram: bytes, from: source)
                    }
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .bind(to: address)
            .get()
    }

    /// A socket that closes while the service runs is replaced, retrying every interval, so the link's
    /// return heals the pair. The sending socket's closes (one per failed send) are logged at most every 10 s.
    private func watch(_ bound: any Channel, _ role: Role) {
        bound.closeFuture.whenComplete { [self] _ in
            guard !stopping.withLock({ $0 }) else { return }
            let (report, suppressed) = sendErrors.withLock { state -> (Bool, Int) in
                let now = ContinuousClock.now
                if role == .send, let last = state.lastLogged, last.duration(to: now) < .seconds(10) {
                    state.suppressed += 1
                    return (false, 0)
                }
                defer { state = (now, 0) }
                return (true, state.suppressed)
            }
            if report {
                let more = suppressed > 0 ? " (\(suppressed) more since the last report)" : ""
                logger.error(
                    "the heartbeat \(role) socket on \(configuration.listen) closed (send error)\(more); binding it again"
                )
            }
            Task { await self.rebind(role) }
        }
    }

    private func rebind(_ role: Role) async {
        for attempt in 1...100_000 {
            if stopping.withLock({ $0 }) { return }
            do {
                let bound = try await makeChannel(role)
                if stopping.withLock({ $0 }) {
                    try? await bound.close()
                    return
                }
                if role == .receive { channel.withLock { $0 = bound } } else { sendChannel.withLock { $0 = bound } }
                watch(bound, role)
                if attempt > 1 || role == .receive {
                    logger.notice("the heartbeat \(role) socket is bound again", metadata: ["attempts": "\(attempt)"])
                }
                return
            } catch {
                if attempt == 1 { logger.error("cannot bind the heartbeat \(role) socket again yet: \(error)") }
                try? await Task.sleep(for: configuration.machine.interval)
            }
        }
    }

    /// Runs until the calling task is cancelled: ticks, heartbeats and VIP calls; then steps down and closes.
    public func run() async throws {
        try await bind()
        guard let channel = channel.withLock({ $0 }) else { return }
        let eventLoop = channel.eventLoop
        let vipTasks = runners.map { entry in
            Task { [self] in
                let track = configuration.namesGroups ? "vip-claim:\(entry.group)" : "vip-claim"
                await entry.runner.run(on: eventLoop) { [self] ok in self.deliver(.track(track, ok: ok)) }
            }
        }
        armFarewell()
        let summaryEvery = TimeAmount(configuration.summaryInterval)
        let summaries = eventLoop.scheduleRepeatedTask(initialDelay: summaryEvery, delay: summaryEvery) { [self] _ in
            let status = self.status()
            self.events.summarize(at: clock.now, state: status.state, peerState: status.peer?.state)
        }
        let reconcileEvery = TimeAmount(configuration.reconcileInterval)
        let reconciles = eventLoop.scheduleRepeatedTask(initialDelay: reconcileEvery, delay: reconcileEvery) {
            [runners] _ in for entry in runners { entry.runner.reconcile() }
        }
        let ticker = eventLoop.scheduleRepeatedTask(
            initialDelay: .zero,
            delay: TimeAmount(configuration.machine.interval / 2)
        ) { [self] _ in
            self.periodicTick()
        }
        let (cancelled, cancelledContinuation) = AsyncStream.makeStream(of: Void.self)
        await withTaskCancellationHandler {
            for await _ in cancelled {}
        } onCancel: {
            cancelledContinuation.finish()
        }
        ticker.cancel()
        summaries.cancel()
        reconciles.cancel()
        core.withLock { core in
            core.deadlineTick?.task.cancel()
            core.deadlineTick = nil
        }
        for entry in runners { await entry.runner.shutDown() }
        for task in vipTasks { await task.value }
        sendFarewell()
        stopping.withLock { $0 = true }
        try? await self.channel.withLock({ $0 })?.close()
        try? await self.sendChannel.withLock({ $0 })?.close()
        self.channel.withLock { $0 = nil }
        self.sendChannel.withLock { $0 = nil }
        events.lifecycle(.stopped, state: .fault, reason: "shut down: VIPs released, FAULT sent to the peer")
    }

    /// Each group's machine configuration in force (a reload may have changed its priority or preemption).
    public var groupConfigurations: [(group: String, configuration: Machine.Configuration)] {
        core.withLock { core in core.elections.elections.map { ($0.group, $0.machine.configuration) } }
    }

    /// Feeds a track result, backend health or an administrator's command (or a tick) to the elections.
    public func deliver(_ event: Elections.Event) {
        if case .tick(let now) = event { events.tick(at: now) }
        let (actions, deadline) = core.withLock { ($0.elections.receive(event), $0.elections.nextDeadline) }
        perform(actions)
        scheduleTick(at: deadline)
    }

    /// The periodic tick; first tells a pause of the whole node from a late timer (the log says which).
    private func periodicTick() {
        let now = (boottime: HAClocks.boottime(), monotonic: HAClocks.monotonic(), threadCPU: HAClocks.threadCPU())
        let deadWindow = HeartbeatReceiver.nanoseconds(configuration.machine.deadWindow)
        let pause = core.withLock { core -> (PauseCause, Duration)? in
            defer { core.lastTick = now }
            guard let last = core.lastTick, now.boottime - last.boottime > deadWindow else { return nil }
            let cause = PauseCause.classify(
                boottime: now.boottime - last.boottime,
                monotonic: now.monotonic - last.monotonic,
                threadCPU: now.threadCPU - last.threadCPU
            )
            let gap = Duration.nanoseconds(Int64(now.boottime - last.boottime))
            core.lastPause = "\(gap) without a tick: \(cause)"
            return (cause, gap)
        }
        if let (cause, gap) = pause {
            events.notice(.paused, reason: cause.description, silence: gap)
        }
        deliver(.tick(clock.now))
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
        let problems = runners.map { ($0.group, $0.runner.problem, $0.runner.failures) }
        return core.withLock { core in
            let elections = core.elections.elections
            let first = elections[0].machine
            let deadWindow = first.configuration.deadWindow
            let groups = zip(elections, problems).map { election, problem in
                let machine = election.machine
                return HeartbeatStatus.GroupStatus(
                    name: election.group,
                    state: machine.state,
                    reason: machine.reason,
                    configuredPriority: machine.configuration.priority,
                    effectivePriority: machine.effectivePriority,
                    preempt: machine.configuration.preempt,
                    preemptDelay: machine.configuration.preemptDelay,
                    steppedDown: machine.isSteppedDown,
                    holdRemaining: machine.stepDownEnds.map { max(.zero, now.duration(to: $0)) },
                    peerState: machine.peer.flatMap { $0.lastHeard.duration(to: now) < deadWindow ? $0.state : nil },
                    peerPriority: machine.peer?.priority,
                    peerFlags: machine.peer?.flags ?? [],
                    peerStateAge: machine.peer.map { $0.stateSince.duration(to: now) },
                    vipProblem: problem.1,
                    vipFailures: problem.2,
                    counters: machine.counters
                )
            }
            let peer = first.peer.map { peer in
                let age = peer.lastHeard.duration(to: now)
                let states = elections.compactMap(\.machine.peer?.state)
                return HeartbeatStatus.PeerStatus(
                    name: peer.name,
                    state: elections.count == 1 ? peer.state : Elections.summary(states),
                    priority: peer.priority,
                    flags: elections.reduce(into: HeartbeatFlags()) { $0.formUnion($1.machine.peer?.flags ?? []) },
                    lastHeardAge: age,
                    stateAge: peer.stateSince.duration(to: now),
                    alive: age < deadWindow
                )
            }
            let untrusted = first.untrusted.flatMap { untrusted -> HeartbeatStatus.UntrustedStatus? in
                let age = untrusted.lastHeard.duration(to: now)
                guard age < deadWindow * 10 else { return nil }
                return HeartbeatStatus.UntrustedStatus(
                    name: untrusted.claim.name,
                    problem: untrusted.claim.problem,
                    lastHeardAge: age
                )
            }
            var counters = first.counters
            for election in elections.dropFirst() {
                counters.transitions += election.machine.counters.transitions
                counters.claims += election.machine.counters.claims
                counters.releases += election.machine.counters.releases
            }
            let reason =
                elections.count == 1
                ? first.reason
                : elections.map { "\($0.group) \($0.machine.state)" }.joined(separator: ", ")
            return HeartbeatStatus(
                nodeName: first.configuration.nodeName,
                state: core.elections.summaryState,
                reason: reason,
                configuredPriority: first.configuration.priority,
                effectivePriority: first.effectivePriority,
                steppedDown: elections.contains { $0.machine.isSteppedDown },
                holdRemaining: groups.compactMap(\.holdRemaining).max(),
                peer: peer,
                untrustedPeer: untrusted,
                rttMedian: core.peerClock.roundTrips.percentile(50),
                rttP99: core.peerClock.roundTrips.percentile(99),
                clockSkew: peer == nil ? nil : core.peerClock.skew,
                accepted: core.receiver.accepted,
                rejections: core.receiver.rejections,
                failingTracks: first.failingTracks.sorted(),
                counters: counters,
                vipFailures: problems.reduce(0) { $0 + $1.2 },
                vipProblem: problems.lazy.compactMap(\.1).first,
                lastPause: core.lastPause,
                bootEpoch: core.composer.bootEpoch,
                sent: core.sent,
                recentTransitions: core.recentTransitions,
                groups: groups,
                groupMismatch: core.elections.groupMismatch
            )
        }
    }

    // MARK: - Receiving

    private func handle(datagram: [UInt8], from source: SocketAddress) {
        let arrival = clock.now
        let arrivalBoottime = HAClocks.boottime()
        let wallNow = HAClocks.wall()
        var rejected: HeartbeatRejection?
        var accepted: (name: String, roundTrip: Duration?, newEpoch: UInt64?)?
        let actions = core.withLock { core -> [Elections.Action] in
            switch core.receiver.receive(datagram, arrival: arrivalBoottime) {
            case .failure(let rejection):
                if rejection != .duplicate { rejected = rejection }
                guard rejection.showsUntrustedPeer, Self.isPeerAddress(source, of: core.peers),
                    let claim = ClaimedHeartbeat(parsing: datagram), claim.nodeName != core.composer.nodeName
                else { return [] }
                return core.elections.receive(.untrusted(claim, rejection: rejection, arrival: arrival))
            case .success(let heartbeat):
                let known = core.elections.elections[0].machine.peer
                let previousEpoch = known?.name == heartbeat.nodeName ? known?.epoch : nil
                let roundTrip: Duration?
                if heartbeat.kind == .heartbeat {
                    roundTrip = core.peerClock.received(heartbeat, arrival: arrivalBoottime, wallNow: wallNow)
                } else {
                    roundTrip = nil
                }
                let newEpoch = previousEpoch == heartbeat.bootEpoch ? nil : heartbeat.bootEpoch
                accepted = (heartbeat.nodeName, roundTrip, newEpoch)
                let packet = Elections.PeerPacket(
                    name: heartbeat.nodeName,
                    epoch: heartbeat.bootEpoch,
                    arrival: arrival,
                    isFarewell: heartbeat.kind == .farewell,
                    groups: heartbeat.groups
                )
                return core.elections.receive(.heartbeat(packet))
            }
        }
        if let rejected { events.rejected(rejected, at: arrival) }
        if let accepted {
            events.accepted(from: accepted.name, at: arrival, roundTrip: accepted.roundTrip)
            if let roundTrip = accepted.roundTrip { configuration.observeRoundTrip?(roundTrip) }
            if let epoch = accepted.newEpoch, let stateFile = configuration.stateFile {
                // Off the heartbeat loop: the write syncs to disk.
                Task.detached { [logger] in
                    if let error = stateFile.recordPeer(accepted.name, epoch: epoch) {
                        logger.error("cannot record \(accepted.name)'s boot epoch: \(error)")
                    }
                }
            }
        }
        perform(actions)
        scheduleTick(at: core.withLock { $0.elections.nextDeadline })
    }

    /// Whether `source` is one of the configured peer hosts (any port): only those may make us hold back.
    static func isPeerAddress(_ source: SocketAddress, of peers: [SocketAddress]) -> Bool {
        peers.contains { $0.ipAddress == source.ipAddress }
    }

    // MARK: - Acting

    private func perform(_ actions: [Elections.Action]) {
        for action in actions {
            switch action {
            case .send(let groups):
                send(groups)
            case .claim(let group):
                runner(group)?.hold(true)
            case .release(let group):
                runner(group)?.hold(false)
            case .reannounce(let group):
                runner(group)?.reannounce()
            case .log(let group, let transition):
                let shownGroup = configuration.namesGroups ? group : nil
                events.transition(transition, group: shownGroup)
                let record = HeartbeatStatus.TransitionRecord(
                    time: .now(),
                    group: shownGroup,
                    from: transition.from,
                    to: transition.to,
                    reason: transition.reason
                )
                core.withLock { core in
                    core.recentTransitions.append(record)
                    if core.recentTransitions.count > 20 { core.recentTransitions.removeFirst() }
                }
            case .warnUntrusted(let problem):
                events.notice(.untrustedPeer, reason: problem)
            case .groupsDiffer(let problem):
                if let problem {
                    logger.warning("the peer's VIP groups differ from ours: \(problem)")
                    events.notice(.groupsDiffer, reason: problem)
                } else {
                    logger.notice("the peer's VIP groups match ours again")
                    events.notice(.groupsDiffer, reason: "the peer's groups match ours again", ok: true)
                }
            }
        }
    }

    private func runner(_ group: String) -> VIPRunner? {
        runners.first { $0.group == group }?.runner
    }

    private func send(_ groups: [Heartbeat.Group]) {
        guard let channel = sendChannel.withLock({ $0 }) else { return }
        let monotonic = HAClocks.boottime()
        let wallClock = HAClocks.wall()
        let (packet, peers) = core.withLock { core -> ([UInt8], [SocketAddress]) in
            let packet = core.composer.heartbeat(
                groups,
                monotonic: monotonic,
                wallClock: wallClock,
                echo: core.peerClock.echo(at: monotonic),
                keyring: core.receiver.keyring
            )
            core.sent += 1
            return (packet, core.peers)
        }
        events.sentHeartbeat()
        for peer in peers {
            let buffer = channel.allocator.buffer(bytes: packet)
            channel.writeAndFlush(AddressedEnvelope(remoteAddress: peer, data: buffer), promise: nil)
        }
    }

    /// The last word of a stopping node: FAULT with priority 0 in every group, so the peer claims at once.
    private func sendFarewell() {
        send(runners.map { Heartbeat.Group(name: $0.group, state: .fault, priority: 0) })
    }

    /// Hands the helper a farewell signed now with the current key, for the peers as configured now.
    private func armFarewell() {
        let (packet, peers) = core.withLock { core in
            (
                core.composer.farewell(
                    monotonic: HAClocks.boottime(),
                    wallClock: HAClocks.wall(),
                    keyring: core.receiver.keyring
                ),
                core.peers
            )
        }
        runners[0].runner.armFarewell(packet, destinations: peers)
    }

    /// Arms the farewell again (the helper connection is new: a restarted helper knows nothing).
    public func helperReconnected() {
        armFarewell()
    }
}
