import NIOCore
import NIOHTTP1
import NIOPosix

/// Checks that a server answers `GET path` over HTTP/1.1 with the expected status.
///
/// The request carries `Host`, `Connection: close` and `User-Agent: tandem-health`. Only the status line
/// counts: the probe closes the connection as soon as the response head arrives. The whole probe (connect,
/// request, response) is bounded by `timeout`, and the returned future completes only after the probe's
/// socket is closed, so a hung server cannot leak channels.
public struct HTTPProbe: Sendable {
    /// The server's address.
    public var target: SocketAddress
    /// The request target, e.g. `/healthz`.
    public var path: String
    /// The `Host` header; `nil` sends the target's address (`127.0.0.1:8080`, `[::1]:8080`).
    public var host: String?
    /// The only status that counts as success.
    public var expectStatus: Int
    /// The longest a probe may take before it reports `"timeout"`.
    public var timeout: TimeAmount

    public init(target: SocketAddress, path: String, host: String?, expectStatus: Int, timeout: TimeAmount) {
        self.target = target
        self.path = path
        self.host = host
        self.expectStatus = expectStatus
        self.timeout = timeout
    }

    /// Runs one probe on `eventLoop` (a NIOPosix event loop); the future never fails.
    public func run(on eventLoop: any EventLoop) -> EventLoopFuture<ProbeOutcome> {
        eventLoop.flatSubmit { [self] in
            let attempt = ProbeAttempt(eventLoop: eventLoop, timeout: timeout)
            let bound = NIOLoopBound(attempt, eventLoop: eventLoop)
            let request = requestHead
            let expectStatus = expectStatus
            ClientBootstrap(group: eventLoop)
                .connectTimeout(timeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(
                            HTTPProbeHandler(request: request, expectStatus: expectStatus, attempt: bound.value)
                        )
                    }
                }
                .connect(to: target)
                .whenComplete { result in
                    switch result {
                    case .success(let channel):
                        bound.value.connected(channel)
                    case .failure(let error):
                        bound.value.connectFailed(error)
                    }
                }
            return attempt.futureResult
        }
    }

    private var requestHead: HTTPRequestHead {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: host ?? Self.hostHeader(for: target))
        headers.add(name: "User-Agent", value: "tandem-health")
        headers.add(name: "Connection", value: "close")
        return HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
    }

    /// `IP:PORT` (`[IP]:PORT` for IPv6): an address built from an IP literal has an empty `host`, and
    /// `Host: :80` is a 400 at nginx, so the header is built from the numeric address.
    static func hostHeader(for address: SocketAddress) -> String {
        let port = address.port.map { ":\($0)" } ?? ""
        switch address {
        case .v4: return (address.ipAddress ?? "localhost") + port
        case .v6: return "[\(address.ipAddress ?? "::1")]" + port
        case .unixDomainSocket: return "localhost"
        }
    }
}
