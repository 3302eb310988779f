import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Sends one request when the connection is up and completes with the status code of the first status line, or,
/// for a layer-4 probe (`byteIsEnough`), with 0 at the first byte from the server.
final class ProbeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let request: String
    private let promise: EventLoopPromise<Int>
    private let byteIsEnough: Bool
    private var received: [UInt8] = []

    init(request: String, byteIsEnough: Bool = false, promise: EventLoopPromise<Int>) {
        self.request = request
        self.byteIsEnough = byteIsEnough
        self.promise = promise
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: request)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if byteIsEnough, buffer.readableBytes > 0 {
            promise.succeed(0)
            context.close(promise: nil)
            return
        }
        received += buffer.readBytes(length: buffer.readableBytes) ?? []
        guard let end = received.firstIndex(of: UInt8(ascii: "\r")) else {
            if received.count > 256 { fail(context, "bad status line") }
            return
        }
        // "HTTP/1.1 200 OK": the three digits after the first space.
        let line = received[..<end]
        guard let space = line.firstIndex(of: UInt8(ascii: " ")), line.count >= space + 4,
            let code = Int(String(decoding: line[(space + 1)...(space + 3)], as: UTF8.self))
        else {
            fail(context, "bad status line")
            return
        }
        promise.succeed(code)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ProbeFailure("closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let reason = (error as? IOError).map { $0.errnoCode == ECONNRESET ? "reset" : "\($0)" } ?? "\(error)"
        fail(context, reason)
    }

    private func fail(_ context: ChannelHandlerContext, _ reason: String) {
        promise.fail(ProbeFailure(reason))
        context.close(promise: nil)
    }
}

/// Why one probe failed, in a word or two.
struct ProbeFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
