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
        case is CloseWhenIdle, is ChannelShouldQuiesceEvent:
            goAway()
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// A connection error (a flood limit, a protocol violation): NIOHTTP2 has sent GOAWAY with its code but leaves
    /// the socket open, so the connection ends here. NIOHTTP2 reports a stream's errors here too (after resetting
    /// only that stream): those leave the connection serving its other streams.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if Self.isStreamError(error) { return }
        closeSoon()
    }

    /// The errors NIOHTTP2 answers with RST_STREAM alone: a malformed request (RFC 9113 §8.1.1) or one more stream
    /// than allowed. Unknown errors count as connection errors.
    static func isStreamError(_ error: any Error) -> Bool {
        switch error {
        case is NIOHTTP2Errors.StreamError, is NIOHTTP2Errors.NoSuchStream, is NIOHTTP2Errors.StreamClosed,
            is NIOHTTP2Errors.MaxStreamsViolation, is NIOHTTP2Errors.MissingPseudoHeader,
            is NIOHTTP2Errors.DuplicatePseudoHeader, is NIOHTTP2Errors.PseudoHeaderAfterRegularHeader,
            is NIOHTTP2Errors.UnknownPseudoHeader, is NIOHTTP2Errors.UnsupportedPseudoHeader,
            is NIOHTTP2Errors.InvalidPseudoHeaders, is NIOHTTP2Errors.MissingHostHeader,
            is NIOHTTP2Errors.DuplicateHostHeader, is NIOHTTP2Errors.EmptyPathHeader,
            is NIOHTTP2Errors.InvalidStatusValue, is NIOHTTP2Errors.TrailersWithoutEndStream,
            is NIOHTTP2Errors.InvalidHTTP2HeaderFieldName, is NIOHTTP2Errors.InvalidHTTP2HeaderFieldValue,
            is NIOHTTP2Errors.ForbiddenHeaderField, is NIOHTTP2Errors.InvalidPseudoHeaderValue,
            is NIOHTTP2Errors.ContentLengthViolated, is NIOHTTP2Errors.ContentLengthHeadersMismatch,
            is NIOHTTP2Errors.ContentLengthHeaderNegative, is NIOHTTP2Errors.ContentLengthHeaderMalformedValue:
            true
        default:
            false
        }
    }

    /// The multiplexer's stream events (with the inline multiplexer they come through a delegate, not the
    /// pipeline).
    struct StreamDelegate: NIOHTTP2StreamDelegate {
        let handler: NIOLoopBound<HTTP2ConnectionHandler>

        func streamCreated(_ id: HTTP2StreamID, channel: any Channel) {
            handler.value.streamCreated(id)
        }

        func streamClosed(_ id: HTTP2StreamID, channel: any Channel) {
            handler.value.streamClosed()
        }
    }

    private func streamCreated(_ id: HTTP2StreamID) {
        openStreams += 1
        if id > lastStreamID { lastStreamID = id }
        idleTimer?.cancel()
        idleTimer = nil
    }

    private func streamClosed() {
        openStreams -= 1
        guard openStreams == 0 else { return }
        if goingAway {
            closeSoon()
        } else if clientConnections.closesKeepAlive {
            goAway()
        } else {
            armIdleTimer()
        }
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
