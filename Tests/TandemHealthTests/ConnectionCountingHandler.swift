import NIOCore

/// Counts a server's connections as they open and close.
final class ConnectionCountingHandler: ChannelInboundHandler {
    typealias InboundIn = NIOAny

    private let stats: ConnectionStats

    init(stats: ConnectionStats) { self.stats = stats }

    func channelActive(context: ChannelHandlerContext) {
        stats.connectionOpened()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stats.connectionClosed()
        context.fireChannelInactive()
    }
}
