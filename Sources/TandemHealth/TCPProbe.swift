import NIOCore
import NIOPosix

/// Checks that a server accepts TCP connections: connect, then close at once.
///
/// The whole probe, connect and close, is bounded by `timeout`; the returned future completes only after
/// the probe's socket is closed.
public struct TCPProbe: Sendable {
    /// The server's address.
    public var target: SocketAddress
    /// The longest a probe may take before it reports `"timeout"`.
    public var timeout: TimeAmount

    public init(target: SocketAddress, timeout: TimeAmount) {
        self.target = target
        self.timeout = timeout
    }

    /// Runs one probe on `eventLoop` (a NIOPosix event loop); the future never fails.
    public func run(on eventLoop: any EventLoop) -> EventLoopFuture<ProbeOutcome> {
        eventLoop.flatSubmit { [self] in
            let attempt = ProbeAttempt(eventLoop: eventLoop, timeout: timeout)
            let bound = NIOLoopBound(attempt, eventLoop: eventLoop)
            ClientBootstrap(group: eventLoop)
                .connectTimeout(timeout)
                .connect(to: target)
                .whenComplete { result in
                    switch result {
                    case .success(let channel):
                        bound.value.connected(channel)
                        bound.value.finish(.success, channel: channel)
                    case .failure(let error):
                        bound.value.connectFailed(error)
                    }
                }
            return attempt.futureResult
        }
    }
}
