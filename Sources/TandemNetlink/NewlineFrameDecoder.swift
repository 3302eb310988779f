import NIOCore

/// Splits a byte stream into lines (without the `\n`), refusing lines longer than `maximumLength` so a peer
/// cannot make the helper buffer without bound.
final class NewlineFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    /// A line exceeded `maximumLength`.
    struct LineTooLong: Error {}

    private let maximumLength: Int

    init(maximumLength: Int = 65_536) {
        self.maximumLength = maximumLength
    }

    func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > maximumLength {
                throw LineTooLong()
            }
            return .needMoreData
        }
        let length = newline - buffer.readerIndex
        guard length <= maximumLength, let line = buffer.readSlice(length: length) else {
            throw LineTooLong()
        }
        buffer.moveReaderIndex(forwardBy: 1)
        context.fireChannelRead(Self.wrapInboundOut(line))
        return .continue
    }

    func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A final line without its newline is incomplete: drop it.
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }
}
