import NIOCore
import NIOHTTP1

/// Sends the probe request once the channel is active and turns the first final response head, an error or
/// an early close into the probe's verdict.
final class HTTPProbeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let request: HTTPRequestHead
    private let expectStatus: Int
    private let attempt: ProbeAttempt
    private var requestSent = false

    init(request: HTTPRequestHead, expectStatus: Int, attempt: ProbeAttempt) {
        self.request = request
        self.expectStatus = expectStatus
        self.attempt = attempt
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive {
            sendRequest(context: context)
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        sendRequest(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            let status = Int(head.status.code)
            // 1xx responses are interim; the final response follows.
            guard status >= 200 else { return }
            let outcome: ProbeOutcome = status == expectStatus ? .success : .failure("status \(status)")
            attempt.finish(outcome, channel: context.channel)
        case .body, .end:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        attempt.finish(ProbeOutcome(error: error), channel: context.channel)
    }

    func channelInactive(context: ChannelHandlerContext) {
        attempt.finish(.failure("connection closed"), channel: context.channel)
        context.fireChannelInactive()
    }

    private func sendRequest(context: ChannelHandlerContext) {
        guard !requestSent else { return }
        requestSent = true
        context.write(wrapOutboundOut(.head(request)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
