import NIOCore

/// The inbound end of a `RawConnection`, confined to its event loop: it queues received bytes for the
/// test to take, and stops reading from the socket while more than `highWatermark` bytes wait, so a
/// test can stream a large response through it without buffering it.
final class RawClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private struct Waiter {
        var continuation: CheckedContinuation<RawClientEvent, Never>
        var timer: Scheduled<Void>
    }

    private let highWatermark = 1 << 20
    private var context: ChannelHandlerContext?
    private var queue: CircularBuffer<ByteBuffer> = []
    private var queuedBytes = 0
    private var closed = false
    private var heldRead = false
    private var waiter: Waiter?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if let waiter {
            self.waiter = nil
            waiter.timer.cancel()
            waiter.continuation.resume(returning: .bytes(buffer))
        } else {
            queue.append(buffer)
            queuedBytes += buffer.readableBytes
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        if let waiter {
            self.waiter = nil
            waiter.timer.cancel()
            waiter.continuation.resume(returning: .closed)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A reset is a close as far as the tests are concerned.
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        if queuedBytes > highWatermark {
            heldRead = true
        } else {
            context.read()
        }
    }

    /// Hands the next event to `continuation`, at once or when it happens, or `.timedOut` after `timeout`.
    func next(timeout: TimeAmount, continuation: CheckedContinuation<RawClientEvent, Never>) {
        precondition(waiter == nil, "one reader at a time")
        if let buffer = queue.popFirst() {
            queuedBytes -= buffer.readableBytes
            if heldRead, queuedBytes <= highWatermark, let context {
                heldRead = false
                context.read()
            }
            continuation.resume(returning: .bytes(buffer))
            return
        }
        if closed {
            continuation.resume(returning: .closed)
            return
        }
        guard let context else {
            continuation.resume(returning: .closed)
            return
        }
        let timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
            guard let self, let waiter = self.waiter else { return }
            self.waiter = nil
            waiter.continuation.resume(returning: .timedOut)
        }
        waiter = Waiter(continuation: continuation, timer: timer)
    }
}
