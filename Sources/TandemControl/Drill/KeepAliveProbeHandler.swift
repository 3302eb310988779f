import NIOCore
import NIOHTTP1

#if canImport(Glibc)
import Glibc
#endif

/// The kept connection of a keep-alive probe, behind NIO's HTTP client codec: sends one request at a time and
/// completes its promise with the status code at the end of the response (the whole response read, so the
/// connection is ready for the next request).
final class KeepAliveProbeHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private var context: ChannelHandlerContext?
    private var pending: EventLoopPromise<Int>?
    private var status: Int?
    /// False once the server answered `Connection: close` or the connection failed: the next probe opens a new one.
    private(set) var reusable = true

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Sends `head` and completes `promise` with the response's status code, or fails it.
    func send(_ head: HTTPRequestHead, promise: EventLoopPromise<Int>) {
        guard let context, reusable, pending == nil else {
            promise.fail(ProbeFailure("closed"))
            return
        }
        pending = promise
        status = nil
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
            if !head.isKeepAlive { reusable = false }
        case .body:
            break
        case .end:
            let promise = pending
            pending = nil
            if let status { promise?.succeed(status) } else { promise?.fail(ProbeFailure("bad response")) }
            if !reusable { context.close(promise: nil) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail("closed")
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail((error as? IOError).map { $0.errnoCode == ECONNRESET ? "reset" : "\($0)" } ?? "\(error)")
        context.close(promise: nil)
    }

    private func fail(_ reason: String) {
        reusable = false
        let promise = pending
        pending = nil
        promise?.fail(ProbeFailure(reason))
    }
}

extension ProbeTarget {
    /// What each probe on a kept connection sends: a GET without `Connection: close`.
    var keepAliveRequest: HTTPRequestHead {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: host)
        headers.add(name: "User-Agent", value: "tandem-drill")
        return HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
    }
}
