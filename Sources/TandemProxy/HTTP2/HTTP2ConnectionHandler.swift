import NIOCore
import NIOHTTP2

/// The connection-level side of an HTTP/2 client connection, after the `NIOHTTP2Handler`: it counts open streams
/// and ends the connection with GOAWAY when it has nothing more to do.
///
/// - Idle: no stream open for the frontend's `timeouts.keepalive` sends GOAWAY and closes, as an idle HTTP/1.1
///   connection would be closed.
/// - Drain and the keep-alive wind-down of a planned failover (`ChannelShouldQuiesceEvent`, `CloseWhenIdle`, or a
///   stream ending while `ClientConnections.closesKeepAlive` is on) send GOAWAY naming the last stream opened: the
///   client sends new requests elsewhere, the streams in progress finish, and the connection closes when the last
///   one has.
final class HTTP2ConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTP2Frame
    typealias InboundOut = HTTP2Frame
    typealias OutboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private let idleTimeout: TimeAmount
    private let clientConnections: ClientConnections
    private var context: ChannelHandlerContext?
    private var openStreams = 0
    private var lastStreamID = HTTP2StreamID(0)
    private var goingAway = false
    private var idleTimer: Scheduled<Void>?

    init(idleTimeout: TimeAmount, clientConnections: ClientConnections) {
        self.idleTimeout = idleTimeout
        self.clientConnections = clientConnections
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if clientConnections.closesKeepAlive {
            goAway()
        } else {
            armIdleTimer()
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        idleTimer?.cancel()
        idleTimer = nil
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        idleTimer?.cancel()
        idleTimer = nil
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let created as NIOHTTP2StreamCreatedEvent:
            openStreams += 1
            if created.streamID > lastStreamID { lastStreamID = created.streamID }
            idleTimer?.cancel()
            idleTimer = nil
        case is StreamClosedEvent:
            openStreams -= 1
            if openStreams == 0 {
                if goingAway {
                    closeSoon()
                } else if clientConnections.closesKeepAlive {
                    goAway()
                } else {
                    armIdleTimer()
                }
            }
        case is CloseWhenIdle, is ChannelShouldQuiesceEvent:
            goAway()
            return
        default:
            break
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Sends GOAWAY (NO_ERROR) naming the last stream opened, then closes once no stream is open.
    private func goAway() {
        guard !goingAway, let context else { return }
        goingAway = true
        idleTimer?.cancel()
        idleTimer = nil
        let frame = HTTP2Frame(
            streamID: .rootStream,
            payload: .goAway(lastStreamID: lastStreamID, errorCode: .noError, opaqueData: nil)
        )
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
        if openStreams == 0 { closeSoon() }
    }

    /// Closes on the next loop turn: the frame that ended the last stream may still wait for its flush.
    private func closeSoon() {
        guard let context else { return }
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.eventLoop.execute {
            bound.value.flush()
            bound.value.close(promise: nil)
        }
    }

    private func armIdleTimer() {
        guard let context, idleTimer == nil else { return }
        idleTimer = context.eventLoop.assumeIsolated().scheduleTask(in: idleTimeout) { [weak self] in
            self?.idleTimer = nil
            self?.goAway()
        }
    }
}
