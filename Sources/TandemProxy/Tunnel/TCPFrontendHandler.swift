import Logging
import NIOCore
import NIOPosix
import TandemBalancing

/// A `mode: tcp` (layer 4) client connection until its tunnel stands: it picks a server with the backend's policy
/// (its health checks, outlier ejection, drain and limits included), waits in the backend's queue when every server
/// is at `max_connections`, connects within the connect timeout, tries another server when a connect fails
/// (`retries`), then hands the connection to a `TunnelHandler` pair and leaves the pipeline.
///
/// Bytes the client sends meanwhile are kept (up to 64 KiB, then its reads are held) and go to the server first.
/// When no server can be had the connection is closed: layer 4 has no way to say why.
final class TCPFrontendHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private enum State {
        case choosing
        case queued(QueuedRequest, timer: Scheduled<Void>)
        case connecting(server: Int)
        /// The tunnel stands, or the connection is closed.
        case done
    }

    private let frontend: FrontendRuntime
    private let backend: BackendRuntime
    private let logger: Logger
    private var context: ChannelHandlerContext?
    private var state: State = .choosing
    private var early: [ByteBuffer] = []
    private var earlyBytes = 0
    /// The client half-closed before the tunnel stood: the server's side is shut once the early bytes are written.
    private var clientInputEnded = false
    private var attempts = 0
    private var avoiding: Set<Int> = []
    private var clientIP = ""
    private var clientAddress: SocketAddress?
    private var frontendAddress: SocketAddress?
    /// With `accept_proxy`, nothing is chosen before the balancer's header named the client.
    private var awaitingProxyHeader: Bool
    /// This connection's access-log line, begun at the accept, written when it ends (by the tunnel once it stands).
    private var log: AccessLogRecord?

    init(frontend: FrontendRuntime, logger: Logger) {
        self.frontend = frontend
        self.backend = frontend.backends[frontend.routes.defaultBackend]
        self.logger = logger
        self.awaitingProxyHeader = frontend.acceptProxy
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        clientAddress = context.channel.remoteAddress
        frontendAddress = context.channel.localAddress
        clientIP = clientAddress?.ipAddress ?? ""
        if frontend.accessLog != nil {
            log = AccessLogRecord(
                started: context.eventLoop.now,
                clientIP: clientAddress?.ipAddress,
                clientPort: clientAddress?.port
            )
            log?.backend = backend
            log?.queueWait = .zero
        }
        if context.channel.isActive, !awaitingProxyHeader { choose() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        if case .choosing = state, attempts == 0, !awaitingProxyHeader { choose() }
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            clientInputEnded = true
            return
        }
        guard let proxied = event as? ProxyProtocolReceiver.ProxiedClient else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        if let source = proxied.source {
            clientAddress = source
            clientIP = source.ipAddress ?? ""
            log?.clientIP = source.ipAddress
            log?.clientPort = source.port
        }
        if let destination = proxied.destination { frontendAddress = destination }
        awaitingProxyHeader = false
        if case .choosing = state, attempts == 0 { choose() }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        early.append(bytes)
        earlyBytes += bytes.readableBytes
        if earlyBytes >= ClientConnectionHandler.maxBufferedBodyBytes {
            try? context.channel.syncOptions?.setOption(.autoRead, value: false)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        switch state {
        case .queued(let request, let timer):
            timer.cancel()
            // When this fails the queue's decision is on its way; `queueDecided` gives its slot back.
            _ = backend.cancelWait(request)
            logEnded(.clientClosed)
        case .choosing, .connecting:
            logEnded(.clientClosed)
        case .done:
            break
        }
        state = .done
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    // MARK: Choosing and connecting

    private var key: BalancingKey {
        backend.algorithm == .sourceHash ? .clientAddress(clientIP) : .none
    }

    private func choose() {
        proceed(with: backend.choose(pinned: nil, key: key, avoiding: avoiding))
    }

    private func proceed(with choice: BackendState.Choice) {
        guard let context else { return }
        switch choice {
        case .server(let server, _):
            attempts += 1
            state = .connecting(server: server)
            log?.connecting(to: server, attempt: attempts, now: context.eventLoop.now)
            connect(to: server, context: context)
        case .allBusy:
            enqueue(context: context)
        case .noneAvailable:
            logger.debug("no server for a layer-4 connection", metadata: ["backend": "\(backend.name)"])
            logEnded(
                .serverFailed,
                phase: .connect,
                detail: log?.detail ?? "no server of backend \(backend.name) is available"
            )
            state = .done
            context.close(promise: nil)
        }
    }

    private func enqueue(context: ChannelHandlerContext) {
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let request = QueuedRequest(pinned: nil, key: key, avoiding: avoiding, eventLoop: context.eventLoop) {
            outcome in
            bound.value.queueDecided(outcome)
        }
        log?.queued(now: context.eventLoop.now)
        switch backend.enqueue(request) {
        case .chosen(let choice):
            log?.leftQueue(now: context.eventLoop.now)
            proceed(with: choice)
        case .full:
            logEnded(.resources, detail: "every server of backend \(backend.name) is at its connection limit")
            state = .done
            context.close(promise: nil)
        case .waiting:
            let timer = context.eventLoop.assumeIsolated().scheduleTask(in: backend.queueTimeout) { [weak self] in
                guard let self, case .queued(let request, _) = self.state else { return }
                // False when the queue already decided: that decision is on its way here.
                guard self.backend.cancelWait(request) else { return }
                self.logEnded(
                    .serverTimeout,
                    detail: "no server of backend \(self.backend.name) had a free slot in time"
                )
                self.state = .done
                self.context?.close(promise: nil)
            }
            state = .queued(request, timer: timer)
        }
    }

    private func queueDecided(_ outcome: QueuedRequest.Outcome) {
        guard case .queued(_, let timer) = state else {
            if case .granted(let server, _) = outcome { backend.release(server, outcome: .abandoned) }
            return
        }
        timer.cancel()
        state = .choosing
        if let context { log?.leftQueue(now: context.eventLoop.now) }
        switch outcome {
        case .granted(let server, let cookie): proceed(with: .server(server, cookie: cookie))
        case .unavailable: proceed(with: .noneAvailable)
        }
    }

    private func connect(to server: Int, context: ChannelHandlerContext) {
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        ClientBootstrap(group: context.eventLoop)
            .connectTimeout(backend.connectTimeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelOption(.writeBufferWaterMark, value: ClientConnectionHandler.writeBufferWaterMark)
            .connect(to: backend.servers[server].address)
            .whenComplete { result in
                bound.value.connectCompleted(result, server: server)
            }
    }

    private func connectCompleted(_ result: Result<any Channel, any Error>, server: Int) {
        guard case .connecting(let expected) = state, expected == server, let context else {
            // The client went away while we connected.
            if case .success(let channel) = result { channel.close(promise: nil) }
            backend.release(server, outcome: .abandoned)
            return
        }
        switch result {
        case .success(let channel):
            startTunnel(to: channel, server: server, context: context)
        case .failure(let error):
            backend.release(server, outcome: .failed(reason: "connect: \(error)"))
            logger.debug(
                "layer-4 connect failed",
                metadata: ["server": "\(backend.servers[server].name)", "error": "\(error)"]
            )
            avoiding.insert(server)
            state = .choosing
            // Said by the line if no server is left to retry on.
            log?.detail = "connect: \(error)"
            if attempts <= backend.retries {
                choose()
            } else {
                logEnded(AccessLogRecord.Cause(connectFailure: error), detail: "connect: \(error)")
                state = .done
                context.close(promise: nil)
            }
        }
    }

    private func startTunnel(to serverChannel: any Channel, server: Int, context: ChannelHandlerContext) {
        state = .done
        let backend = self.backend
        let idle = min(frontend.clientTimeout, backend.serverIdleTimeout)
        var initial = early
        if let version = backend.sendProxy, let source = clientAddress, let destination = frontendAddress {
            initial.insert(ProxyProtocol.header(version, source: source, destination: destination), at: 0)
        }
        frontend.metrics?.tunnels.increment()
        var entry = log.map { AccessLogEntry(log: frontend.accessLog!, record: $0) }
        entry?.record.connected(now: context.eventLoop.now)
        entry?.record.tunnelled = true
        entry?.record.bytesIn += earlyBytes
        log = nil
        TunnelHandler.start(
            client: context.channel,
            server: serverChannel,
            holding: server,
            of: backend,
            idleTimeout: idle,
            initialToServer: initial,
            clientInputEnded: clientInputEnded,
            accessLog: entry
        )
        early = []
        try? context.channel.syncOptions?.setOption(.autoRead, value: true)
        context.pipeline.syncOperations.removeHandler(self, promise: nil)
    }

    /// Ends and writes the line of a connection that never became a tunnel.
    private func logEnded(_ cause: AccessLogRecord.Cause, phase: AccessLogRecord.Phase? = nil, detail: String? = nil) {
        guard var record = log, let accessLog = frontend.accessLog, let context else { return }
        log = nil
        record.bytesIn += earlyBytes
        _ = record.end(cause, phase: phase, detail: detail, now: context.eventLoop.now)
        accessLog.log(record, on: context.eventLoop)
    }
}
