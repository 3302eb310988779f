import Logging
import NIOCore
import TandemNIOSupport

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Serves one client connection of the VIP helper: a JSON request per line in, a JSON response per line out,
/// in order. When the connection closes, the registry releases the VIPs only this connection held.
final class VIPHelperConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let registry: VIPClaimRegistry
    private let peer: PeerCredentials
    private let logger: Logger
    private let decoder = JSONDecoder()
    private let encoder = JSONEncoder()

    init(registry: VIPClaimRegistry, peer: PeerCredentials, logger: Logger) {
        self.registry = registry
        self.peer = peer
        self.logger = logger
        encoder.outputFormatting = [.sortedKeys]
    }

    func channelActive(context: ChannelHandlerContext) {
        logger.info(
            "client connected",
            metadata: ["connection": "\(ObjectIdentifier(context.channel))", "peer": "\(peer)"]
        )
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = Self.unwrapInboundIn(data)
        let response: VIPHelperResponse
        do {
            let request = try decoder.decode(VIPHelperRequest.self, from: Data(line.readableBytesView))
            response = registry.handle(request, from: ObjectIdentifier(context.channel))
        } catch {
            response = .failure("malformed request: expected one JSON object per line with \"op\"")
        }
        var bytes = (try? encoder.encode(response)) ?? Data(#"{"ok":false,"error":"encoding failed"}"#.utf8)
        bytes.append(UInt8(ascii: "\n"))
        context.writeAndFlush(Self.wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        let owner = ObjectIdentifier(context.channel)
        logger.info("client disconnected", metadata: ["connection": "\(owner)"])
        registry.connectionClosed(owner)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        logger.warning("closing client connection", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}
