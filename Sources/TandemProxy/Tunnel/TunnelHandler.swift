import NIOCore

/// One side of a byte tunnel between two channels on the same event loop: a layer-4 (`mode: tcp`) connection, or an
/// HTTP connection after `101 Switching Protocols`.
///
/// What one side reads is written to the other as it arrived, flushed at the end of each read burst. A side stops
/// reading while its partner cannot take more, and resumes when the partner drains (no buffering beyond the
/// channels' watermarks). A half-close passes through: end of input on one side shuts the other side's output, so
/// request/response protocols that close their write side work; when both inputs have ended, or either side closes
/// or fails (a reset included), both close. The tunnel closes when nothing moved either way for `idleTimeout`: one
/// timer per tunnel, on the side that owns it, re-armed lazily from the last activity.
final class TunnelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// How a tunnel ended, and the bytes it carried (those read by its two sides).
    struct Ending {
        enum Reason {
            /// Both inputs ended (each side half-closed in turn).
            case bothEnded
            /// The client closed or reset its connection, or failed.
            case clientClosed
            case serverClosed
            /// Nothing moved either way for the idle limit.
            case idle
        }

        var reason: Reason
        var fromClient: Int
        var fromServer: Int
    }

    /// Shared by both sides: the idle clock, the byte counts, and what to do once, when the tunnel is over.
    final class Shared {
        let idleTimeout: TimeAmount
        var lastActivity: NIODeadline
        var fromClient = 0
        var fromServer = 0
        private var onEnd: ((Ending) -> Void)?

        init(idleTimeout: TimeAmount, now: NIODeadline, onEnd: @escaping (Ending) -> Void) {
            self.idleTimeout = idleTimeout
            self.lastActivity = now
            self.onEnd = onEnd
        }

        func end(_ reason: Ending.Reason) {
            let onEnd = self.onEnd
            self.onEnd = nil
            onEnd?(Ending(reason: reason, fromClient: fromClient, fromServer: fromServer))
        }
    }

    private let shared: Shared
    /// Only the side that owns the idle timer arms it.
    private let ownsTimer: Bool
    private var partner: TunnelHandler?
    private var context: ChannelHandlerContext?
    private var pendingRead = false
    private var inputEnded = false
    private var timer: Scheduled<Void>?

    /// The client's side is the one that owns the timer.
    private var isClientSide: Bool { ownsTimer }

    private init(shared: Shared, ownsTimer: Bool) {
        self.shared = shared
        self.ownsTimer = ownsTimer
    }

    /// Joins `client` and `server` (both active, on one event loop) into a tunnel; `initialToServer` and
    /// `initialToClient` are bytes already read from one side for the other (a request sent before the connect
    /// completed, bytes after an upgrade's head); `clientInputEnded` says the client half-closed meanwhile, so the
    /// server's side is shut after them. `onEnd` runs once when the tunnel is over.
    static func join(
        client: any Channel,
        server: any Channel,
        idleTimeout: TimeAmount,
        initialToServer: [ByteBuffer] = [],
        initialToClient: ByteBuffer? = nil,
        clientInputEnded: Bool = false,
        onEnd: @escaping (Ending) -> Void
    ) throws {
        client.eventLoop.preconditionInEventLoop()
        precondition(client.eventLoop === server.eventLoop, "a tunnel's two channels share an event loop")
        let shared = Shared(idleTimeout: idleTimeout, now: client.eventLoop.now, onEnd: onEnd)
        let clientSide = TunnelHandler(shared: shared, ownsTimer: true)
        let serverSide = TunnelHandler(shared: shared, ownsTimer: false)
        clientSide.partner = serverSide
        serverSide.partner = clientSide
        try client.pipeline.syncOperations.addHandler(clientSide)
        try server.pipeline.syncOperations.addHandler(serverSide)
        for bytes in initialToServer where bytes.readableBytes > 0 { serverSide.write(bytes) }
        serverSide.flush()
        if clientInputEnded {
            clientSide.inputEnded = true
            serverSide.shutdownOutput()
        }
        if let initialToClient, initialToClient.readableBytes > 0 {
            clientSide.write(initialToClient)
            clientSide.flush()
        }
        // Half-closure must be allowed for an end of input to arrive as an event rather than a close.
        try? client.syncOptions?.setOption(.allowRemoteHalfClosure, value: true)
        try? server.syncOptions?.setOption(.allowRemoteHalfClosure, value: true)
        clientSide.context?.read()
        serverSide.context?.read()
    }

    /// Joins `client` and `server` for server `index` of `backend`, whose slot the tunnel then holds until it ends;
    /// when the channels cannot be joined both close and the slot is given back. `accessLog` gets its line when the
    /// tunnel ends.
    static func start(
        client: any Channel,
        server: any Channel,
        holding index: Int,
        of backend: BackendRuntime,
        idleTimeout: TimeAmount,
        initialToServer: [ByteBuffer] = [],
        initialToClient: ByteBuffer? = nil,
        clientInputEnded: Bool = false,
        accessLog: AccessLogEntry? = nil
    ) {
        var entry = accessLog
        do {
            try join(
                client: client,
                server: server,
                idleTimeout: idleTimeout,
                initialToServer: initialToServer,
                initialToClient: initialToClient,
                clientInputEnded: clientInputEnded
            ) { ending in
                backend.release(index, outcome: .succeeded)
                entry?.tunnelEnded(ending, on: client.eventLoop)
            }
        } catch {
            entry?.end(.internalError, detail: "the tunnel could not be set up: \(error)", on: client.eventLoop)
            backend.release(index, outcome: .abandoned)
            server.close(promise: nil)
            client.close(promise: nil)
        }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if ownsTimer { armTimer(at: shared.lastActivity + shared.idleTimeout) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        self.context = nil
    }

    // MARK: Bytes

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        shared.lastActivity = context.eventLoop.now
        let bytes = unwrapInboundIn(data)
        if isClientSide { shared.fromClient += bytes.readableBytes } else { shared.fromServer += bytes.readableBytes }
        partner?.write(bytes)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        partner?.flush()
        context.fireChannelReadComplete()
    }

    private func write(_ bytes: ByteBuffer) {
        context?.write(wrapOutboundOut(bytes), promise: nil)
    }

    private func flush() {
        context?.flush()
    }

    private var isWritable: Bool { context?.channel.isWritable ?? false }

    func read(context: ChannelHandlerContext) {
        if let partner, !partner.isWritable {
            pendingRead = true
        } else {
            context.read()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { partner?.resumeReading() }
        context.fireChannelWritabilityChanged()
    }

    private func resumeReading() {
        guard pendingRead, let context else { return }
        pendingRead = false
        context.read()
    }

    // MARK: Ends

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case ChannelEvent.inputClosed = event else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        inputEnded = true
        if let partner, partner.inputEnded {
            closeBoth(.bothEnded)
        } else {
            partner?.shutdownOutput()
        }
    }

    private func shutdownOutput() {
        guard let context else { return }
        context.close(mode: .output, promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // NIO reports an end of input as a close once the output is shut: after the partner's end of input, this is
        // the other half of a clean end, not a close in the middle.
        let cleanEnd = partner?.inputEnded ?? false
        closeBoth(cleanEnd ? .bothEnded : (isClientSide ? .clientClosed : .serverClosed))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        closeBoth(isClientSide ? .clientClosed : .serverClosed)
    }

    /// `reason` is how the tunnel ended when this is the first close.
    private func closeBoth(_ reason: Ending.Reason) {
        // First: closing a side can run its partner's `channelInactive`, and so this method, before the closes return.
        shared.end(reason)
        let partner = self.partner
        self.partner = nil
        partner?.partner = nil
        context?.close(promise: nil)
        partner?.context?.close(promise: nil)
        timer?.cancel()
        timer = nil
        partner?.timer?.cancel()
    }

    // MARK: Idle timer

    private func armTimer(at deadline: NIODeadline) {
        guard let context else { return }
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
            self?.checkIdle()
        }
    }

    private func checkIdle() {
        timer = nil
        guard let context, partner != nil else { return }
        let due = shared.lastActivity + shared.idleTimeout
        if due <= context.eventLoop.now {
            closeBoth(.idle)
        } else {
            armTimer(at: due)
        }
    }
}
