import NIOCore
import NIOPosix

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The daemon's side of the VIP helper: one Unix-socket connection kept open for the daemon's lifetime.
///
/// Closing the connection (or the daemon dying) makes the helper release every VIP claimed through it, so a
/// crashed daemon never keeps the address. Requests may be issued concurrently; they are answered in order.
public final class VIPHelperClient: Sendable {
    private let channel: Channel
    private let requestTimeout: TimeAmount

    private init(channel: Channel, requestTimeout: TimeAmount) {
        self.channel = channel
        self.requestTimeout = requestTimeout
    }

    /// Connects to the helper at `socketPath`.
    /// - Parameters:
    ///   - socketPath: the helper's `--socket`.
    ///   - group: the event loop group to run the connection on.
    ///   - requestTimeout: how long one request may take; on expiry the connection is closed (the protocol
    ///     would be out of step), which releases this client's VIPs.
    public static func connect(
        socketPath: String,
        group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        requestTimeout: Duration = .seconds(5)
    ) async throws -> VIPHelperClient {
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(NewlineFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(VIPHelperClientHandler())
                }
            }
            .connect(unixDomainSocketPath: socketPath)
            .get()
        return VIPHelperClient(channel: channel, requestTimeout: TimeAmount(requestTimeout))
    }

    /// Claims `vip` on `interface`: adds the address (already present counts as success), announces it and
    /// keeps refreshing the announcement until released or until this connection closes.
    public func claim(vip: VIP, interface: String) async throws -> ClaimReport {
        try await stepsOf(VIPHelperRequest(op: .claim, vip: vip.description, interface: interface))
    }

    /// Releases `vip` on `interface` (already gone counts as success).
    public func release(vip: VIP, interface: String) async throws -> ClaimReport {
        try await stepsOf(VIPHelperRequest(op: .release, vip: vip.description, interface: interface))
    }

    /// Announces `vip` again now (gratuitous ARP or unsolicited NA burst).
    public func announce(vip: VIP, interface: String) async throws -> ClaimReport {
        try await stepsOf(VIPHelperRequest(op: .announce, vip: vip.description, interface: interface))
    }

    /// The VIPs held through the helper, each checked against the interface's addresses.
    public func list() async throws -> [VIPHelperListEntry] {
        try await send(VIPHelperRequest(op: .list)).vips ?? []
    }

    /// Hands the helper a signed farewell to send to `destinations` if this connection breaks.
    public func arm(farewell packet: [UInt8], destinations: [SocketAddress]) async throws {
        let texts = destinations.compactMap { address -> String? in
            guard let host = address.ipAddress, let port = address.port else { return nil }
            return address.protocol == .inet6 ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
        let request = VIPHelperRequest(op: .arm, packet: Data(packet).base64EncodedString(), destinations: texts)
        _ = try await stepsOf(request)
    }

    /// Withdraws the farewell.
    public func disarm() async throws {
        _ = try await stepsOf(VIPHelperRequest(op: .disarm))
    }

    /// Completes when the connection closes (the helper stopped, or `close()`).
    public var closeFuture: EventLoopFuture<Void> {
        channel.closeFuture
    }

    /// Closes the connection: the helper releases every VIP claimed through it.
    public func close() async {
        try? await channel.close()
    }

    /// Sends one request and returns its response (errors for `ok: false` are the caller's to raise).
    public func send(_ request: VIPHelperRequest) async throws -> VIPHelperResponse {
        var bytes = try JSONEncoder().encode(request)
        bytes.append(UInt8(ascii: "\n"))
        let promise = channel.eventLoop.makePromise(of: ByteBuffer.self)
        let timeout = channel.eventLoop.scheduleTask(in: requestTimeout) { [channel] in
            promise.fail(VIPHelperClientError(code: .timeout, detail: "the VIP helper did not answer in time"))
            channel.close(promise: nil)
        }
        promise.futureResult.whenComplete { _ in timeout.cancel() }
        let pending = VIPHelperClientHandler.PendingRequest(
            line: channel.allocator.buffer(bytes: bytes),
            promise: promise
        )
        channel.writeAndFlush(pending).whenFailure { error in
            promise.fail(VIPHelperClientError(code: .connectionClosed, detail: "sending to the VIP helper: \(error)"))
        }
        let line = try await promise.futureResult.get()
        do {
            return try JSONDecoder().decode(VIPHelperResponse.self, from: Data(line.readableBytesView))
        } catch {
            throw VIPHelperClientError(code: .malformedResponse, detail: "unreadable VIP helper response: \(error)")
        }
    }

    private func stepsOf(_ request: VIPHelperRequest) async throws -> ClaimReport {
        let response = try await send(request)
        guard response.ok else {
            throw VIPHelperClientError(
                code: .refused,
                detail: response.error ?? "the VIP helper refused without a reason",
                steps: response.steps ?? []
            )
        }
        return ClaimReport(steps: response.steps ?? [])
    }
}
