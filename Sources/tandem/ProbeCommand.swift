import ArgumentParser
import TandemControl

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#endif

/// `tandem probe`: the drill's prober on its own, run where a client is, so that the demo, the end-to-end checks
/// and an operator measure an outage the same way; `--lines` gives each probe for tools that line them up with
/// other events.
struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Probe a service the way a client uses it and report the outages it saw.",
        discussion: """
            Probes URL (http://HOST[:PORT]/PATH: a GET answered below 500; tcp://HOST:PORT: a connect and one \
            byte back) once every --interval, each probe with its own --timeout, on a new connection each or, with \
            --keep-alive, on one kept connection, one request at a time (a tick while one is in flight is \
            skipped; after a failure the connection is dropped and the next probe opens a new one). Stops after \
            --duration, or earlier once --stop-file exists, and prints the probes ok and failed, the failures by \
            reason and every outage (a failed probe to the first success after it, by send time), as the drill \
            measures them.

            --lines prints one JSON object per probe on standard output as it completes: "sent" and "ended" in \
            seconds on CLOCK_MONOTONIC (the clock of every network namespace, Python's time.monotonic()), \
            "status", "failure" and "connection" (with --keep-alive, which kept connection: 1, 2, ...); the \
            summary then goes to standard error.

            Needs no daemon and no configuration. Exits 0 when the last probe was answered, 1 when it was not \
            (or none was sent), 2 on a usage error.

            Examples:
              tandem probe http://198.18.0.100/ --duration 30s
              tandem probe http://198.18.0.100/healthz --keep-alive --lines >probes.jsonl
              tandem probe tcp://198.18.0.100:5432 --interval 100ms --json
            """
    )

    @Argument(
        help: ArgumentHelp("http://HOST[:PORT]/PATH, or tcp://HOST:PORT for layer 4.", valueName: "url")
    )
    var url: String

    @Option(name: .long, help: ArgumentHelp("How long to probe (at most 1h).", valueName: "duration"))
    var duration = DurationArgument("10s")

    @Option(name: .long, help: ArgumentHelp("Time between probes.", valueName: "duration"))
    var interval = DurationArgument("10ms")

    @Option(name: .long, help: ArgumentHelp("Timeout of one probe.", valueName: "duration"))
    var timeout = DurationArgument("200ms")

    @Option(name: .customLong("stop-file"), help: ArgumentHelp("End early once this file exists.", valueName: "path"))
    var stopFile: String?

    @Flag(name: .customLong("keep-alive"), help: "Probe on one kept connection (http:// only), not a new one each.")
    var keepAlive = false

    @Flag(name: .long, help: "One JSON line per probe on standard output; the summary goes to standard error.")
    var lines = false

    @Flag(name: .long, help: "Print the summary as one JSON object.")
    var json = false

    func validate() throws {
        guard interval.value >= .milliseconds(1) else { throw ValidationError("--interval must be at least 1ms") }
        guard timeout.value > .zero else { throw ValidationError("--timeout must be positive") }
        guard duration.value > .zero, duration.value <= .seconds(3600) else {
            throw ValidationError("--duration must be positive and at most 1h")
        }
        if keepAlive, !url.hasPrefix("http://") { throw ValidationError("--keep-alive needs an http:// URL") }
        do {
            _ = try ProbeTarget(url: url)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() async throws {
        let target = try ProbeTarget(url: url)
        // Bounded in count as well as in time.
        let bound = Int(duration.value / interval.value) + 10
        let prober = DrillProber(
            target: target,
            interval: interval.value,
            timeout: timeout.value,
            maximumProbes: bound,
            keepAlive: keepAlive
        )
        if lines {
            let origin = prober.monotonicStart
            prober.start { result in writeStandardOutput(ProbeLine(result, monotonicStart: origin).json()) }
        } else {
            prober.start()
        }
        let end = ContinuousClock.now.advanced(by: duration.value)
        while ContinuousClock.now < end {
            if let stopFile, access(stopFile, F_OK) == 0 { break }
            try? await Task.sleep(for: min(.milliseconds(20), ContinuousClock.now.duration(to: end)))
        }
        let results = await prober.stop()
        let report = ProbeReport(
            probe: target.description,
            keepAlive: keepAlive,
            interval: interval.value,
            timeout: timeout.value,
            results: results,
            connections: prober.connections
        )
        let summary: String
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            summary = String(decoding: try encoder.encode(report), as: UTF8.self)
        } else {
            summary = report.text()
        }
        if lines { printError(summary) } else { print(summary) }
        if !report.upAtEnd { throw ExitCode.failure }
    }
}
