import Logging
import NIOCore

/// The helper's state: which VIPs are claimed, by which connections, and their announcement timers.
///
/// Confined to the helper's single event loop: every method must run there (the netlink socket is created
/// lazily on it, so it lives in that thread's network namespace). Netlink and packet syscalls take
/// microseconds; announcement bursts are spread with scheduled tasks, never by sleeping, so one client's
/// claim does not hold up another's.
final class VIPClaimRegistry {
    /// The claim state of one VIP binding.
    private struct Claim {
        /// Connections that claimed it and have not released it.
        var owners: Set<ObjectIdentifier>
        /// The next refresh burst (each refresh schedules the next).
        var refresh: Scheduled<Void>?
        /// Announcements of the current burst still to be sent.
        var pendingAnnouncements: [Scheduled<Void>]
    }

    private let configuration: VIPHelperConfiguration
    private let eventLoop: EventLoop
    private let logger: Logger
    private var netlink: NetlinkSocket?
    private let announcer = VIPAnnouncer()
    private var claims: [VIPBinding: Claim] = [:]
    /// Each connection's armed farewell.
    private var farewells: [ObjectIdentifier: Farewell] = [:]

    init(configuration: VIPHelperConfiguration, eventLoop: EventLoop, logger: Logger) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.logger = logger
    }

    /// Answers one request from the connection `owner`.
    func handle(_ request: VIPHelperRequest, from owner: ObjectIdentifier) -> VIPHelperResponse {
        eventLoop.preconditionInEventLoop()
        switch request.op {
        case .list:
            return list()
        case .arm:
            switch Farewell.validated(request) {
            case .success(let farewell):
                farewells[owner] = farewell
                return VIPHelperResponse(ok: true)
            case .failure(let refusal):
                return .failure(refusal.message)
            }
        case .disarm:
            farewells[owner] = nil
            return VIPHelperResponse(ok: true)
        case .claim, .release, .announce:
            let binding: VIPBinding
            switch validatedBinding(request) {
            case .success(let value): binding = value
            case .failure(let message): return .failure(message.text)
            }
            switch request.op {
            case .claim: return claim(binding, for: owner)
            case .release: return release(binding)
            case .announce: return announce(binding)
            case .list, .arm, .disarm: preconditionFailure("handled above")
            }
        }
    }

    /// Releases every VIP that only `owner` held: the daemon behind that connection exited or crashed, and a
    /// crashed daemon must not keep the address while its peer claims it. Then sends the connection's armed
    /// farewell, so the peer claims at once: release first, so the pair never has two holders.
    func connectionClosed(_ owner: ObjectIdentifier) {
        eventLoop.preconditionInEventLoop()
        defer {
            if let farewell = farewells.removeValue(forKey: owner) {
                let sent = farewell.send()
                logger.notice(
                    "client connection closed: sent its farewell to the peer",
                    metadata: ["destinations": "\(farewell.destinations.count)", "sent": "\(sent)"]
                )
            }
        }
        for (binding, var claim) in claims where claim.owners.contains(owner) {
            claim.owners.remove(owner)
            if claim.owners.isEmpty {
                let response = release(binding)
                logger.notice(
                    "client connection closed: released its VIP",
                    metadata: ["vip": "\(binding)", "ok": "\(response.ok)", "error": "\(response.error ?? "")"]
                )
            } else {
                claims[binding] = claim
                logger.info(
                    "client connection closed: VIP still held by another connection",
                    metadata: ["vip": "\(binding)"]
                )
            }
        }
    }

    private struct Refusal: Error {
        let text: String
    }

    private func validatedBinding(_ request: VIPHelperRequest) -> Result<VIPBinding, Refusal> {
        guard let vipText = request.vip, let interface = request.interface else {
            return .failure(Refusal(text: "\(request.op.rawValue) needs \"vip\" and \"interface\""))
        }
        guard let vip = VIP(parsing: vipText) else {
            return .failure(Refusal(text: "\(vipText) is not an ADDRESS/PREFIX"))
        }
        let binding = VIPBinding(vip: vip, interface: interface)
        guard configuration.rule(permitting: binding) != nil else {
            return .failure(Refusal(text: "\(binding) is not in the allow list"))
        }
        return .success(binding)
    }

    private func claim(_ binding: VIPBinding, for owner: ObjectIdentifier) -> VIPHelperResponse {
        var steps: [VIPHelperStep] = []
        let clock = ContinuousClock()
        do throws(NetlinkError) {
            var started = clock.now
            let interface = try NetworkInterface.lookup(binding.interface)
            steps.append(VIPHelperStep(step: "interface-lookup", ms: VIPHelperStep.milliseconds(clock.now - started)))
            started = clock.now
            let result = try socket().add(binding.vip, interfaceIndex: interface.index)
            steps.append(
                VIPHelperStep(
                    step: "netlink-add",
                    ms: VIPHelperStep.milliseconds(clock.now - started),
                    result: result.rawValue
                )
            )
            var claim = claims[binding] ?? Claim(owners: [], refresh: nil, pendingAnnouncements: [])
            claim.owners.insert(owner)
            if claim.refresh == nil {
                claim.refresh = scheduleRefresh(binding)
            }
            claims[binding] = claim
            logger.info("claimed VIP", metadata: ["vip": "\(binding)", "result": "\(result.rawValue)"])
            steps.append(try startBurst(binding, interface: interface))
            return VIPHelperResponse(ok: true, steps: steps)
        } catch {
            logger.error("claim failed", metadata: ["vip": "\(binding)", "error": "\(error)"])
            return .failure("claiming \(binding): \(error)", steps: steps)
        }
    }

    private func release(_ binding: VIPBinding) -> VIPHelperResponse {
        if let claim = claims.removeValue(forKey: binding) {
            claim.refresh?.cancel()
            for pending in claim.pendingAnnouncements {
                pending.cancel()
            }
        }
        var steps: [VIPHelperStep] = []
        let clock = ContinuousClock()
        do throws(NetlinkError) {
            var started = clock.now
            let interface = try NetworkInterface.lookup(binding.interface)
            steps.append(VIPHelperStep(step: "interface-lookup", ms: VIPHelperStep.milliseconds(clock.now - started)))
            started = clock.now
            let result = try socket().delete(binding.vip, interfaceIndex: interface.index)
            steps.append(
                VIPHelperStep(
                    step: "netlink-delete",
                    ms: VIPHelperStep.milliseconds(clock.now - started),
                    result: result.rawValue
                )
            )
            logger.info("released VIP", metadata: ["vip": "\(binding)", "result": "\(result.rawValue)"])
            return VIPHelperResponse(ok: true, steps: steps)
        } catch {
            logger.error("release failed", metadata: ["vip": "\(binding)", "error": "\(error)"])
            return .failure("releasing \(binding): \(error)", steps: steps)
        }
    }

    /// Announces only a claimed VIP: announcing an address this node does not hold would pull the peer's
    /// traffic to a host that drops it.
    private func announce(_ binding: VIPBinding) -> VIPHelperResponse {
        guard claims[binding] != nil else {
            return .failure("\(binding) is not claimed through this helper: claim it first")
        }
        do throws(NetlinkError) {
            let interface = try NetworkInterface.lookup(binding.interface)
            return VIPHelperResponse(ok: true, steps: [try startBurst(binding, interface: interface)])
        } catch {
            return .failure("announcing \(binding): \(error)")
        }
    }

    /// Every claimed VIP with its claimant count; `present` is false when the address is missing or the
    /// check itself failed (interface gone), so one broken entry does not hide the others.
    private func list() -> VIPHelperResponse {
        var entries: [VIPHelperListEntry] = []
        for (binding, claim) in claims.sorted(by: { $0.key.description < $1.key.description }) {
            let present: Bool
            do throws(NetlinkError) {
                let interface = try NetworkInterface.lookup(binding.interface)
                present = try socket().addresses(interfaceIndex: interface.index).contains(binding.vip)
            } catch {
                logger.warning("could not check a claimed VIP", metadata: ["vip": "\(binding)", "error": "\(error)"])
                present = false
            }
            entries.append(
                VIPHelperListEntry(
                    vip: binding.vip.description,
                    interface: binding.interface,
                    present: present,
                    claimants: claim.owners.count
                )
            )
        }
        return VIPHelperResponse(ok: true, vips: entries)
    }

    private func scheduleRefresh(_ binding: VIPBinding) -> Scheduled<Void> {
        eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(configuration.refreshInterval)) { [weak self] in
            self?.refresh(binding)
        }
    }

    private func refresh(_ binding: VIPBinding) {
        guard var claim = claims[binding] else {
            return
        }
        claim.refresh = scheduleRefresh(binding)
        claims[binding] = claim
        do throws(NetlinkError) {
            let interface = try NetworkInterface.lookup(binding.interface)
            _ = try startBurst(binding, interface: interface)
        } catch {
            logger.error("announcement refresh failed", metadata: ["vip": "\(binding)", "error": "\(error)"])
        }
    }

    /// Sends the first announcement now and schedules the rest of the burst; returns the step for the first.
    private func startBurst(_ binding: VIPBinding, interface: NetworkInterface) throws(NetlinkError) -> VIPHelperStep {
        let clock = ContinuousClock()
        let started = clock.now
        try announcer.sendOnce(vip: binding.vip, interface: interface)
        let elapsed = clock.now - started
        let count = max(configuration.announcementCount, 1)
        let spacing = configuration.announcementSpacing
        var pending: [Scheduled<Void>] = []
        for sequence in 1..<count {
            pending.append(
                eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(spacing * sequence)) { [weak self] in
                    self?.sendScheduledAnnouncement(binding, interface: interface)
                }
            )
        }
        if var claim = claims[binding] {
            for earlier in claim.pendingAnnouncements {
                earlier.cancel()
            }
            claim.pendingAnnouncements = pending
            claims[binding] = claim
        }
        return VIPHelperStep(
            step: VIPAnnouncer.stepName(for: binding.vip.family),
            ms: VIPHelperStep.milliseconds(elapsed),
            count: count,
            plannedMs: VIPHelperStep.milliseconds(spacing * (count - 1))
        )
    }

    private func sendScheduledAnnouncement(_ binding: VIPBinding, interface: NetworkInterface) {
        do throws(NetlinkError) {
            try announcer.sendOnce(vip: binding.vip, interface: interface)
        } catch {
            logger.error("announcement failed", metadata: ["vip": "\(binding)", "error": "\(error)"])
        }
    }

    private func socket() throws(NetlinkError) -> NetlinkSocket {
        if let netlink {
            return netlink
        }
        let created = try NetlinkSocket()
        netlink = created
        return created
    }

    /// Cancels every timer (the helper is shutting down; connections closing release the VIPs).
    func cancelTimers() {
        for claim in claims.values {
            claim.refresh?.cancel()
            for pending in claim.pendingAnnouncements {
                pending.cancel()
            }
        }
    }
}
