import NIOCore

/// Caps the client connections one listener serves at once (`limits.max_connections`), on its server channel.
///
/// At the cap it stops asking the socket for more accepts, so further clients wait in the kernel's accept backlog
/// (as with HAProxy's `maxconn`) instead of being accepted and refused, and nothing spins. One read may accept a
/// few connections past the cap (NIO accepts up to `maxMessagesPerRead` per read): those are held here,
/// unregistered and unread, until a slot frees, so the served count never exceeds the cap.
///
/// It sits in front of the quiescing helper, which therefore sees only the admitted connections; held ones are
/// closed when the listener closes.
final class ConnectionLimitHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel
    typealias OutboundIn = any Channel

    private var limit: Int
    private var open = 0
    private var held: CircularBuffer<any Channel> = []
    private var readPending = false
    private var context: ChannelHandlerContext?

    init(limit: Int) {
        self.limit = limit
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let child = unwrapInboundIn(data)
        if open < limit {
            admit(child, context: context)
        } else {
            held.append(child)
        }
    }

    func read(context: ChannelHandlerContext) {
        if open + held.count >= limit {
            readPending = true
        } else {
            context.read()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        while let child = held.popFirst() { child.close(promise: nil) }
        context.fireChannelInactive()
    }

    /// Changes the cap (a config reload changed `limits.max_connections`); held connections get the new room.
    func setLimit(_ limit: Int) {
        self.limit = limit
        connectionClosed(count: 0)
    }

    private func admit(_ child: any Channel, context: ChannelHandlerContext) {
        open += 1
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loop = context.eventLoop
        child.closeFuture.whenComplete { _ in
            loop.execute { bound.value.connectionClosed(count: 1) }
        }
        context.fireChannelRead(wrapInboundOut(child))
    }

    private func connectionClosed(count: Int) {
        open -= count
        guard let context else { return }
        while open < limit, let next = held.popFirst() {
            admit(next, context: context)
        }
        if readPending, open + held.count < limit {
            readPending = false
            context.read()
        }
    }
}
