import ArgumentParser
import TandemConfig
import TandemControl

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `tandem drill`: a rehearsed failover with a measurement. On the ACTIVE node it probes the service, hands
/// the VIPs to the peer and reports how long clients could not connect.
struct DrillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill",
        abstract: "Rehearse a failover on the ACTIVE node and measure the client-visible outage.",
        discussion: """
            Probes --probe (default: http://VIP:PORT/ from the config's first VIP and first plain-HTTP \
            frontend; tcp://HOST:PORT probes a layer-4 service) with one probe every --interval on a new connection \
            each, hands the VIPs to the peer \
            (this node steps down: its priority drops for --hold), waits for the peer to report ACTIVE, \
            keeps probing for --duration, and prints the handover time (step-down to peer ACTIVE), the \
            outage (first failed probe to the first success after it), the failed probes and both nodes' \
            final states.

            Refuses, and changes nothing, on a STANDBY node, when the peer is not alive and STANDBY, or when \
            every backend server of the peer is down. Exits 1 when refused or when the drill failed.

            With `ha.groups` (active-active), --group drills one VIP group and probes its first VIP; \
            without it, every group this node is ACTIVE for moves.

            Examples:
              tandem drill --config /etc/tandem/tandem.yaml
              tandem drill --probe http://198.18.0.100/healthz --duration 5s --json
              tandem drill --config /etc/tandem/tandem.yaml --group web-a
            """
    )

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The URL to probe: http://HOST[:PORT]/PATH, or tcp://HOST:PORT for layer 4.",
            valueName: "url"
        )
    )
    var probe: String?

    @Option(
        name: .long,
        help: ArgumentHelp("How long to keep probing after the peer is ACTIVE.", valueName: "duration")
    )
    var duration = DurationArgument("3s")

    @Option(name: .long, help: ArgumentHelp("Time between probes.", valueName: "duration"))
    var interval = DurationArgument("10ms")

    @Option(name: .long, help: ArgumentHelp("Timeout of one probe.", valueName: "duration"))
    var timeout = DurationArgument("200ms")

    @Option(name: .long, help: ArgumentHelp("How long this node stays stepped down.", valueName: "duration"))
    var hold = DurationArgument("5m")

    @Option(name: .long, help: ArgumentHelp("The VIP group to drill (default: every group held).", valueName: "name"))
    var group: String?

    @Flag(name: .long, help: "Print the report as one JSON object.")
    var json = false

    @OptionGroup var location: AdminSocketOptions

    func validate() throws {
        guard interval.value >= .milliseconds(1) else { throw ValidationError("--interval must be at least 1ms") }
        guard timeout.value > .zero else { throw ValidationError("--timeout must be positive") }
        guard duration.value <= .seconds(600) else { throw ValidationError("--duration is at most 10m") }
    }

    func run() async throws {
        let client = HandoverClient(location: location, command: "drill")
        let before = try client.status()
        try client.requireHandoverAllowed(before, group: group)
        let target = try probeTarget(status: before)

        // Bounded: warm-up + handover wait + settle, at one probe per interval.
        let settle = duration.value
        let bound = Int((Duration.seconds(6) + settle) / interval.value) + 10
        let prober = DrillProber(target: target, interval: interval.value, timeout: timeout.value, maximumProbes: bound)
        prober.start()
        try? await Task.sleep(for: .seconds(1))
        let warmUp = prober.snapshot
        guard warmUp.contains(where: \.ok) else {
            _ = await prober.stop()
            let reasons = Set(warmUp.compactMap(\.failure)).sorted().joined(separator: ", ")
            printError(
                "tandem drill: refused: \(target) does not answer before the drill (\(reasons)); fix it or pass --probe"
            )
            throw ExitCode.failure
        }

        let response = await client.handover(drain: .zero, hold: hold.value, wait: .seconds(3), group: group)
        guard response.ok, let handover = response.handover else {
            _ = await prober.stop()
            printError("tandem drill: \(response.error ?? "the handover failed")")
            throw ExitCode.failure
        }
        try? await Task.sleep(for: settle)
        let results = await prober.stop()
        let after = try client.status()
        let report = DrillReport(
            probe: target.description,
            intervalMs: Double(interval.value.wholeMilliseconds),
            timeoutMs: Double(timeout.value.wholeMilliseconds),
            results: results,
            handover: handover,
            nodeState: after.ha?.state ?? "?",
            peerState: after.ha?.peer?.state ?? "?"
        )
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.text())
        }
        if !report.passed { throw ExitCode.failure }
    }

    /// --probe, else `http://VIP:PORT/` from the configuration: the first VIP of the group drilled (of the
    /// first group this node holds without --group).
    private func probeTarget(status: NodeStatusReport) throws -> ProbeTarget {
        do {
            if let probe { return try ProbeTarget(url: probe) }
            let path = location.config ?? "/etc/tandem/tandem.yaml"
            let configuration: TandemConfiguration
            do {
                configuration = try ConfigLoader.load(path: path)
            } catch {
                printError("tandem drill: give --probe URL, or --config FILE to probe the VIP: \(error)")
                throw ExitCode.failure
            }
            let drilled = status.ha?.handoverGroups(group).first
            let groupVIPs = configuration.ha?.groups.first { $0.name == drilled }?.vips
            guard let vip = (groupVIPs ?? configuration.ha?.vips)?.first?.address,
                let frontend = configuration.frontends.first(where: { $0.mode == .http && $0.tls == nil })
            else {
                printError("tandem drill: \(path) has no VIP or no plain-HTTP frontend to probe; pass --probe URL")
                throw ExitCode.failure
            }
            let host = vip.isIPv6 ? "[\(vip.address)]" : vip.address
            return try ProbeTarget(url: "http://\(host):\(frontend.bind.port)/")
        } catch let error as ProbeTargetError {
            printError("tandem drill: \(probe == nil ? "" : "--probe ")\(error)")
            throw ExitCode.failure
        }
    }
}
