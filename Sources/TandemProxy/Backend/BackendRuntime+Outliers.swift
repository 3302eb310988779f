import Logging
import NIOCore
import TandemBalancing

extension BackendRuntime {
    /// Logs an ejection in one line and makes sure a timer will end it.
    func outlierEjected(_ event: OutlierDetector.Event, lastFailure: String) {
        guard case .ejected(let server, let until, let times) = event else { return }
        let (seconds, attoseconds) = (until - .now).components
        let milliseconds = max(0, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        logger.warning(
            """
            backend \(name) server \(servers[server].name) ejected for \(milliseconds)ms \
            (outlier: \(outlierSettings.consecutiveFailures) failed requests in a row, last: \(lastFailure); \
            ejection #\(times))
            """
        )
        scheduleOutlierExpiry()
    }

    /// Arms the expiry timer for the detector's next expiry unless an earlier one is already armed.
    func scheduleOutlierExpiry() {
        guard let loop = expiryLoop, let next = nextOutlierExpiry else { return }
        background.withLock { work in
            guard !work.isStopped else { return }
            if let armed = work.expiry {
                guard next < armed.at else { return }
                armed.timer.cancel()
            }
            let delay = TimeAmount(max(next - .now, .zero))
            let timer = loop.scheduleTask(in: delay) { [weak self] () -> Void in self?.outlierExpiryFired() }
            work.expiry = (timer, next)
        }
    }

    private func outlierExpiryFired() {
        background.withLock { $0.expiry = nil }
        for case .restored(let server) in expireOutliers(at: .now) {
            logger.notice("backend \(name) server \(servers[server].name) restored after its outlier ejection")
        }
        scheduleOutlierExpiry()
    }
}
