import ArgumentParser
import Logging
import NIOCore
import TandemControl
import TandemHA

#if canImport(Glibc)
import Glibc
#endif

/// `tandem debug`: fault injection for rehearsals and the soak, served only by a daemon started with
/// `TANDEM_DEBUG_COMMANDS=1` in its environment (never in the shipped units).
struct DebugCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debug",
        abstract: "Inject faults into a daemon started with TANDEM_DEBUG_COMMANDS=1 (rehearsals, the soak).",
        subcommands: [ClockStep.self, StallProxy.self]
    )

    /// Shifts the wall clock the daemon reads, as a clock step would (the host's clock is left alone).
    struct ClockStep: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "clock-step",
            abstract: "Step the daemon's wall clock by SECONDS (e.g. +3600 or -3600), as NTP or an operator might."
        )

        @OptionGroup var location: AdminSocketOptions
        /// All unrecognised words, so that `-3600` is taken as the value it is rather than as an option.
        @Argument(parsing: .allUnrecognized, help: "Seconds to add, signed.") var seconds: [String]

        func validate() throws {
            guard seconds.count == 1 else { throw ValidationError("give one signed number of seconds") }
        }

        func run() throws {
            try send(location, AdminRequest(command: "debug", arguments: ["clock-step", seconds[0]]))
        }
    }

    /// Blocks every proxy event loop, as a burst of handshakes or a blocking write would.
    struct StallProxy: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stall-proxy",
            abstract: "Block every proxy event loop for MILLISECONDS (the heartbeat runs on its own loop)."
        )

        @OptionGroup var location: AdminSocketOptions
        @Argument(help: "Milliseconds, 1...10000.") var milliseconds: Int

        func run() throws {
            try send(location, AdminRequest(command: "debug", arguments: ["stall-proxy", String(milliseconds)]))
        }
    }

    static func send(_ location: AdminSocketOptions, _ request: AdminRequest) throws {
        let response = try location.send(request, for: "debug")
        if let message = response.message { print(message) }
        guard response.ok else {
            printError("tandem debug: \(response.error ?? "refused")")
            throw ExitCode.failure
        }
    }
}

extension AdminRouter {
    /// Serves `debug clock-step SECONDS` and `debug stall-proxy MILLISECONDS`.
    mutating func registerDebug(proxyGroup: any EventLoopGroup, logger: Logger) {
        register("debug") { request in
            let arguments = request.arguments ?? []
            switch (arguments.first, arguments.count) {
            case ("clock-step", 2):
                guard
                    let seconds = Int64(arguments[1].hasPrefix("+") ? String(arguments[1].dropFirst()) : arguments[1]),
                    abs(seconds) <= 10 * 365 * 86_400
                else { return .failure("clock-step needs signed seconds within ten years") }
                let total = HAClocks.wallClockOffset.add(seconds * 1_000_000_000, ordering: .relaxed).newValue
                logger.warning("debug: wall clock stepped by \(seconds) s (now \(total / 1_000_000_000) s off)")
                return AdminResponse(ok: true, message: "wall clock stepped by \(seconds) s")
            case ("stall-proxy", 2):
                guard let milliseconds = UInt32(arguments[1]), (1...10_000).contains(milliseconds) else {
                    return .failure("stall-proxy needs 1...10000 milliseconds")
                }
                logger.warning("debug: stalling every proxy event loop for \(milliseconds) ms")
                for eventLoop in proxyGroup.makeIterator() {
                    eventLoop.execute { usleep(milliseconds * 1000) }
                }
                return AdminResponse(ok: true, message: "every proxy event loop stalls for \(milliseconds) ms")
            default:
                return .failure("debug takes clock-step SECONDS or stall-proxy MILLISECONDS")
            }
        }
    }
}
