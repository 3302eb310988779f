import Logging
import NIOCore
import NIOHTTP2
import TandemConfig
import TandemTLS

/// Decides, once per connection of a frontend that speaks HTTP/2, whether the connection is HTTP/2 or HTTP/1.1, and
/// for HTTP/2 replaces the HTTP/1.1 engine with the NIOHTTP2 pipeline (server mode). It sits just before the
/// `ClientConnectionHandler` and leaves the pipeline once it has decided.
///
/// - Over TLS the client chose with ALPN: `h2` in the `TLSHandshakeCompleted` event means HTTP/2.
/// - In the clear (`h2c: true`) only prior knowledge counts: the connection opens with the 24-byte connection
///   preface (RFC 9113 §3.3). Bytes are held only while they match it, so an HTTP/1.1 request costs one comparison of
///   its first byte. `Upgrade: h2c` is not offered: the HTTP/1.1 engine refuses it as before.
///
/// Each stream then gets an `HTTP2StreamAdapter` and a `ClientConnectionHandler` of its own: one exchange per stream,
/// through the same engine (routing, balancing, persistence, retries, queueing, limits, log, metrics).
final class HTTP2ProtocolSelector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    enum Negotiation {
        case alpn
        case priorKnowledge
    }

    static let preface: [UInt8] = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    private let frontend: FrontendRuntime
    private let logger: Logger
    private let negotiation: Negotiation
    private var buffered: ByteBuffer?
    /// The client a PROXY header named, handed on to every stream's engine.
    private var proxied: ProxyProtocolReceiver.ProxiedClient?

    init(frontend: FrontendRuntime, logger: Logger, negotiation: Negotiation) {
        self.frontend = frontend
        self.logger = logger
        self.negotiation = negotiation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard negotiation == .priorKnowledge else {
            context.fireChannelRead(data)
            return
        }
        var bytes = unwrapInboundIn(data)
        if buffered == nil {
            buffered = bytes
        } else {
            buffered!.writeBuffer(&bytes)
        }
        let received = buffered!.readableBytesView
        let compared = min(received.count, Self.preface.count)
        if !received.prefix(compared).elementsEqual(Self.preface.prefix(compared)) {
            leave(context, http2: false)
        } else if compared == Self.preface.count {
            leave(context, http2: true)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let proxied = event as? ProxyProtocolReceiver.ProxiedClient { self.proxied = proxied }
        context.fireUserInboundEventTriggered(event)
        if negotiation == .alpn, let handshake = event as? TLSHandshakeCompleted {
            leave(context, http2: handshake.applicationProtocol == "h2")
        }
    }

    /// Installs HTTP/2 if chosen, hands on what was held, and leaves.
    private func leave(_ context: ChannelHandlerContext, http2: Bool) {
        if http2 {
            do {
                try installHTTP2(context.pipeline.syncOperations)
            } catch {
                logger.debug("cannot set up HTTP/2", metadata: ["error": "\(error)"])
                context.close(promise: nil)
                return
            }
        }
        if let held = buffered {
            buffered = nil
            context.fireChannelRead(wrapInboundOut(held))
            context.fireChannelReadComplete()
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    private func installHTTP2(_ pipeline: ChannelPipeline.SynchronousOperations) throws {
        if let engine = try? pipeline.handler(type: ClientConnectionHandler.self) {
            pipeline.removeHandler(engine, promise: nil)
        }
        let frontend = self.frontend
        let logger = self.logger
        let proxied = self.proxied
        let maxHeaderListSize = frontend.http2.maxHeaderListSize
        let connection = HTTP2ConnectionHandler(
            idleTimeout: frontend.keepAliveTimeout,
            clientConnections: frontend.clientConnections
        )
        try pipeline.addHandler(HTTP2FlushCoalescer())  // between TLS (or the socket) and NIOHTTP2, added next
        _ = try pipeline.configureHTTP2Pipeline(
            mode: .server,
            connectionConfiguration: Self.connectionConfiguration(frontend.http2),
            streamConfiguration: Self.streamConfiguration(frontend.http2),
            streamDelegate: HTTP2ConnectionHandler.StreamDelegate(
                handler: NIOLoopBound(connection, eventLoop: pipeline.eventLoop)
            ),
            position: .last
        ) { stream in
            stream.eventLoop.makeCompletedFuture {
                let sync = stream.pipeline.syncOperations
                try sync.addHandler(HTTP2StreamAdapter(maxHeaderListSize: maxHeaderListSize))
                try sync.addHandler(
                    ClientConnectionHandler(frontend: frontend, logger: logger, servesHTTP2Stream: true)
                )
                if let proxied { sync.fireUserInboundEventTriggered(proxied) }
            }
        }
        try pipeline.addHandler(connection)
    }

    /// SETTINGS from the frontend's `h2` limits; NIOHTTP2's header validation and flood limits (CONTINUATION, empty
    /// DATA, control frames, glitches) stay at their defaults, which are on.
    static func connectionConfiguration(_ settings: HTTP2Limits) -> NIOHTTP2Handler.ConnectionConfiguration {
        var configuration = NIOHTTP2Handler.ConnectionConfiguration()
        configuration.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: settings.maxConcurrentStreams),
            HTTP2Setting(parameter: .maxHeaderListSize, value: settings.maxHeaderListSize),
            HTTP2Setting(parameter: .initialWindowSize, value: Self.streamWindow),
        ]
        // Streams are bounded by their own windows; the connection's only needs to let them all move.
        configuration.targetWindowSize = 1 << 20
        configuration.headerBlockValidation = .enabled
        configuration.contentLengthValidation = .enabled
        return configuration
    }

    static func streamConfiguration(_ settings: HTTP2Limits) -> NIOHTTP2Handler.StreamConfiguration {
        var configuration = NIOHTTP2Handler.StreamConfiguration()
        configuration.targetWindowSize = Self.streamWindow
        // What a stream may hold for a client whose window is closed before the engine stops reading the server.
        configuration.outboundBufferSizeHighWatermark = 256 * 1024
        configuration.outboundBufferSizeLowWatermark = 64 * 1024
        configuration.streamResetFrameRateLimit.maximumCount = settings.maxResets
        configuration.streamResetFrameRateLimit.windowLength = TimeAmount(settings.resetWindow)
        return configuration
    }

    /// Request body bytes one stream may have in flight before the engine has read them.
    static let streamWindow = 65535
}
