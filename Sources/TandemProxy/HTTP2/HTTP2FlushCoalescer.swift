import NIOCore

/// Sits between NIOHTTP2 and TLS on an h2 connection and turns the flushes of one event-loop pass into one.
///
/// Every stream's response ends in a flush, and each flush of the connection encrypts what is pending into TLS
/// records and makes a write syscall. Responses of many streams complete in the same pass over the selector (their
/// servers answered together), so the first flush is deferred to the loop's task phase, after every read of the
/// pass, and the others join it: one batch of records, one syscall. The delay is the rest of the current pass, not
/// a timer. A close flushes what is pending first, so nothing written before it is lost.
final class HTTP2FlushCoalescer: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = NIOAny

    private var flushScheduled = false

    func flush(context: ChannelHandlerContext) {
        guard !flushScheduled else { return }
        flushScheduled = true
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let (handler, context) = bound.value
            guard handler.flushScheduled else { return }
            handler.flushScheduled = false
            context.flush()
        }
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if flushScheduled {
            flushScheduled = false
            context.flush()
        }
        context.close(mode: mode, promise: promise)
    }
}
