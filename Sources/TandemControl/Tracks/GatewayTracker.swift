import Logging
import NIOPosix
import ServiceLifecycle
import TandemConfig

/// Probes one gateway every `interval` (``GatewayProbe``) and reports its reachability to the HA service as
/// the track `gateway:ADDRESS`, with rise/fall counting: `fall` consecutive failures report it down, `rise`
/// consecutive successes report it up again. It starts as up (nothing is reported until it fails), so a
/// healthy start costs nothing.
public final class GatewayTracker: Service, Sendable {
    /// The track name the state machine sees.
    public let trackName: String
    private let settings: GatewayTrack
    private let report: @Sendable (_ name: String, _ ok: Bool) -> Void
    private let logger: Logger

    /// - Parameter report: called with the track name and the new reachability on every change.
    public init(
        settings: GatewayTrack,
        logger: Logger,
        report: @escaping @Sendable (_ name: String, _ ok: Bool) -> Void
    ) {
        self.settings = settings
        self.trackName = "gateway:\(settings.address)"
        self.report = report
        self.logger = logger
    }

    public func run() async throws {
        var reachable = true
        var streak = 0
        var sequence: UInt16 = 0
        var loggedMethod = false
        let settings = self.settings
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            sequence &+= 1
            let number = sequence
            let started = ContinuousClock.now
            let result = try? await NIOThreadPool.singleton.runIfActive {
                GatewayProbe.probe(
                    address: settings.address,
                    isIPv6: settings.isIPv6,
                    timeout: settings.timeout,
                    sequence: number
                )
            }
            let answered = result?.0 ?? false
            if !loggedMethod, let method = result?.1 {
                logger.info("tracking gateway \(settings.address) by \(method.rawValue) probe")
                loggedMethod = true
            }
            streak = answered == reachable ? 0 : streak + 1
            if streak >= (reachable ? settings.fall : settings.rise) {
                reachable.toggle()
                streak = 0
                logger.notice("gateway \(settings.address) is \(reachable ? "reachable again" : "unreachable")")
                report(trackName, reachable)
            }
            let pause = settings.interval - started.duration(to: .now)
            if pause > .zero {
                try? await gracefulShutdown(orSleep: pause)
            }
        }
    }

    /// Sleeps for `duration`, returning early on graceful shutdown or cancellation.
    private func gracefulShutdown(orSleep duration: Duration) async throws {
        try await cancelWhenGracefulShutdown {
            try await Task.sleep(for: duration)
        }
    }
}
