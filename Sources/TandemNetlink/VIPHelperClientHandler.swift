import NIOCore

/// Matches the helper's response lines to the requests written before them, in order.
final class VIPHelperClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = PendingRequest
    typealias OutboundOut = ByteBuffer

    /// A request line and the promise its response line completes.
    struct PendingRequest: Sendable {
        let line: ByteBuffer
        let promise: EventLoopPromise<ByteBuffer>
    }

    private var waiting = CircularBuffer<EventLoopPromise<ByteBuffer>>()

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = Self.unwrapOutboundIn(data)
        waiting.append(request.promise)
        context.write(Self.wrapOutboundOut(request.line), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = Self.unwrapInboundIn(data)
        guard let promise = waiting.popFirst() else {
            // A response nobody asked for: the stream is out of step, so nothing after it can be trusted.
            context.close(promise: nil)
            return
        }
        promise.succeed(line)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(VIPHelperClientError(code: .connectionClosed, detail: "the VIP helper closed the connection"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: Error) {
        while let promise = waiting.popFirst() {
            promise.fail(error)
        }
    }
}
