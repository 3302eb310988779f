import NIOCore

/// `RawTCPServer`'s per-connection behaviour.
final class RawReplyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let behavior: RawTCPServer.Behavior
    private let received: AwaitableLog<String>
    private var replied = false

    init(behavior: RawTCPServer.Behavior, received: AwaitableLog<String>) {
        self.behavior = behavior
        self.received = received
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received.append(String(buffer: unwrapInboundIn(data)))
        switch behavior {
        case .closeOnRead:
            context.close(promise: nil)
        case .silent:
            break
        case .reply(let text):
            guard !replied else { return }
            replied = true
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text)), promise: nil)
        }
    }
}
