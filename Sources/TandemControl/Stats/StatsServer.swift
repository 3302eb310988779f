import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Synchronization
import TandemHA
import TandemProxy

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The stats listener (`node.stats.bind`): `GET /metrics` (Prometheus text format), `GET /` (the status page)
/// and `GET /status.json` (the same data for scripts).
///
/// It runs on an event loop of its own, off the data plane and off the heartbeat loop: a scrape reads
/// snapshots under short locks and renders text, which must never delay a request or a heartbeat. NIO's
/// HTTP/1 codec is fine here, off the hot path.
public final class StatsServer: Service, Sendable {
    private let bind: SocketAddress
    private let collector: MetricsCollector
    private let page: @Sendable () -> StatusPage
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let logger: Logger
    private let channel = Mutex<(any Channel)?>(nil)

    public init(
        bind: SocketAddress,
        collector: MetricsCollector,
        logger: Logger,
        page: @escaping @Sendable () -> StatusPage
    ) {
        self.bind = bind
        self.collector = collector
        self.page = page
        self.logger = logger
    }

    /// The bound address (port 0 resolved), once ``start()`` has run.
    public var localAddress: SocketAddress? { channel.withLock { $0?.localAddress } }

    /// Binds the listener; a bind failure is the caller's to report.
    public func start() async throws {
        let collector = self.collector
        let page = self.page
        let bound = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(
                        StatsRequestHandler(collector: collector, page: page)
                    )
                }
            }
            .bind(to: bind)
            .get()
        channel.withLock { $0 = bound }
        logger.notice("stats listening", metadata: ["bind": "\(bound.localAddress.map { "\($0)" } ?? "\(bind)")"])
    }

    /// Serves until graceful shutdown, then closes the listener.
    public func run() async throws {
        let bound = channel.withLock { $0 }
        await withGracefulShutdownHandler {
            try? await bound?.closeFuture.get()
        } onGracefulShutdown: {
            bound?.close(promise: nil)
        }
        try? await group.shutdownGracefully()
    }
}

/// Answers one stats request per HTTP request: routes by path, GET and HEAD only.
final class StatsRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let collector: MetricsCollector
    private let page: @Sendable () -> StatusPage
    private var head: HTTPRequestHead?

    init(collector: MetricsCollector, page: @escaping @Sendable () -> StatusPage) {
        self.collector = collector
        self.page = page
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
        case .body:
            break
        case .end:
            guard let head else { return }
            self.head = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        guard head.method == .GET || head.method == .HEAD else {
            write(.methodNotAllowed, "text/plain; charset=utf-8", Array("only GET and HEAD\n".utf8), head, context)
            return
        }
        switch path {
        case "/metrics":
            write(.ok, "text/plain; version=0.0.4; charset=utf-8", collector.scrape(), head, context)
        case "/status.json":
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            let bytes = (try? encoder.encode(page())).map(Array.init) ?? Array("{}".utf8)
            write(.ok, "application/json", bytes + [0x0A], head, context)
        case "/":
            write(.ok, "text/html; charset=utf-8", Array(page().html().utf8), head, context)
        default:
            write(
                .notFound,
                "text/plain; charset=utf-8",
                Array("try /, /status.json or /metrics\n".utf8),
                head,
                context
            )
        }
    }

    private func write(
        _ status: HTTPResponseStatus,
        _ contentType: String,
        _ body: [UInt8],
        _ request: HTTPRequestHead,
        _ context: ChannelHandlerContext
    ) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "Cache-Control", value: "no-store")
        let keepAlive = request.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let responseHead = HTTPResponseHead(version: request.version, status: status, headers: headers)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        if request.method != .HEAD {
            context.write(
                wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))),
                promise: nil
            )
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
