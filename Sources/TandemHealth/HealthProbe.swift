import NIOCore

/// The probe a health checker runs against one server.
public enum HealthProbe: Sendable {
    /// Connect and close.
    case tcp(TCPProbe)
    /// `GET path` and compare the status.
    case http(HTTPProbe)

    /// Runs one probe on `eventLoop`; the future never fails and completes after the probe's socket is closed.
    public func run(on eventLoop: any EventLoop) -> EventLoopFuture<ProbeOutcome> {
        switch self {
        case .tcp(let probe): probe.run(on: eventLoop)
        case .http(let probe): probe.run(on: eventLoop)
        }
    }
}
