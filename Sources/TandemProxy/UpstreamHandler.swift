import NIOCore
import NIOHTTP1

/// What an upstream connection reports to the client-side handler that currently owns it.
/// Both live on the same event loop, so these are plain calls, not hops.
protocol UpstreamDelegate: AnyObject {
    func upstreamReceived(_ part: HTTPClientResponsePart)
    func upstreamReadComplete()
    func upstreamWritabilityChanged(isWritable: Bool)
    func upstreamClosed(error: (any Error)?)
}

/// The backend side of a proxied exchange: one keep-alive HTTP/1.1 connection to one server.
///
/// It forwards response parts to its delegate, and holds its reads while the client cannot take more
/// (`readsPaused`), which is how a slow client slows the backend down instead of filling memory.
/// Between exchanges it sits in an `UpstreamPool` with an idle timer.
final class UpstreamHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    private enum Residence {
        /// Serving an exchange.
        case busy
        /// Waiting in a pool, to be closed after the idle timeout.
        case pooled(UpstreamPool, server: Int, timer: Scheduled<Void>)
        /// The channel is closed.
        case closed
    }

    weak var delegate: (any UpstreamDelegate)?
    private(set) var context: ChannelHandlerContext?
    private var residence: Residence = .busy
    private var pendingRead = false

    var readsPaused = false {
        didSet {
            if !readsPaused, pendingRead, let context {
                pendingRead = false
                context.read()
            }
        }
    }

    var isWritable: Bool { context?.channel.isWritable ?? false }
    var isActive: Bool { context?.channel.isActive ?? false }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func write(_ part: HTTPClientRequestPart) {
        context?.write(wrapOutboundOut(part), promise: nil)
    }

    func flush() {
        context?.flush()
    }

    func close() {
        guard let context, context.channel.isActive else { return }
        context.close(promise: nil)
    }

    /// Marks the end of an exchange on this connection.
    func exchangeCompleted() {
        delegate = nil
        readsPaused = false
    }

    func enterPool(_ pool: UpstreamPool, server: Int, idleTimeout: TimeAmount) {
        guard let context, context.channel.isActive else {
            residence = .closed
            pool.remove(self, server: server)
            return
        }
        let timer = context.eventLoop.assumeIsolated().scheduleTask(in: idleTimeout) { [weak self] in
            guard let self else { return }
            self.close()
        }
        residence = .pooled(pool, server: server, timer: timer)
    }

    /// Takes the connection out of its pool; false when it is no longer usable.
    func leavePool() -> Bool {
        guard case .pooled(_, _, let timer) = residence else { return false }
        timer.cancel()
        residence = .busy
        return isActive
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if let delegate {
            delegate.upstreamReceived(part)
        } else {
            // A server that talks while nobody asked (an idle pooled connection) is out of step: drop it.
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        delegate?.upstreamReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        delegate?.upstreamWritabilityChanged(isWritable: context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .pooled(let pool, let server, let timer) = residence {
            timer.cancel()
            pool.remove(self, server: server)
        }
        residence = .closed
        let delegate = self.delegate
        self.delegate = nil
        delegate?.upstreamClosed(error: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let delegate = self.delegate
        self.delegate = nil
        delegate?.upstreamClosed(error: error)
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        if readsPaused {
            pendingRead = true
        } else {
            context.read()
        }
    }
}
