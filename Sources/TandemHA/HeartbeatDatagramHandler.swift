import NIOCore

/// Hands every received datagram's bytes and source to the service; all decisions happen there.
final class HeartbeatDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let onDatagram: @Sendable ([UInt8], SocketAddress) -> Void

    init(onDatagram: @escaping @Sendable ([UInt8], SocketAddress) -> Void) {
        self.onDatagram = onDatagram
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var envelope = unwrapInboundIn(data)
        let bytes = envelope.data.readBytes(length: envelope.data.readableBytes) ?? []
        onDatagram(bytes, envelope.remoteAddress)
    }
}

@available(*, unavailable)
extension HeartbeatDatagramHandler: Sendable {}
