import NIOCore

/// The PROXY protocol (HAProxy's `proxy-protocol.txt`, versions 1 and 2): a header in front of a TCP stream that
/// says which client and which address it was for, so a server behind a proxy still sees the real client.
///
/// Tandem writes it towards servers (`send_proxy: v1 | v2`) and reads it from a load balancer in front of it
/// (`accept_proxy: true`). Only what a TCP proxy needs is supported: TCP over IPv4 or IPv6, and the v2 LOCAL
/// command and v1 UNKNOWN (a health check from the balancer itself: no client address).
enum ProxyProtocol {
    enum Version: String, Sendable {
        case v1, v2
    }

    /// The v2 signature: bytes no text protocol starts with.
    static let signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]
    /// The longest v1 header, CRLF included (the protocol's own bound).
    static let maxV1Length = 107

    /// The addresses a header carries; both nil for LOCAL / UNKNOWN.
    struct Addresses: Equatable {
        var source: SocketAddress?
        var destination: SocketAddress?
    }

    enum Parsed: Equatable {
        case incomplete
        /// A header of `length` bytes.
        case header(Addresses, length: Int)
        case invalid(String)
    }

    // MARK: Writing

    /// The header for a stream from `source` to `destination` (the client and the address it connected to).
    static func header(_ version: Version, source: SocketAddress, destination: SocketAddress) -> ByteBuffer {
        var buffer = ByteBuffer()
        switch version {
        case .v1:
            switch (source, destination) {
            case (.v4, .v4), (.v6, .v6):
                let family = source.protocol == .inet ? "TCP4" : "TCP6"
                buffer.writeString(
                    "PROXY \(family) \(source.ipAddress ?? "") \(destination.ipAddress ?? "") "
                        + "\(source.port ?? 0) \(destination.port ?? 0)\r\n"
                )
            default:
                buffer.writeString("PROXY UNKNOWN\r\n")
            }
        case .v2:
            buffer.writeBytes(signature)
            switch (source, destination) {
            case (.v4(let from), .v4(let to)):
                buffer.writeBytes([0x21, 0x11])
                buffer.writeInteger(UInt16(12))
                _ = withUnsafeBytes(of: from.address.sin_addr) { buffer.writeBytes($0) }
                _ = withUnsafeBytes(of: to.address.sin_addr) { buffer.writeBytes($0) }
                buffer.writeInteger(UInt16(source.port ?? 0))
                buffer.writeInteger(UInt16(destination.port ?? 0))
            case (.v6(let from), .v6(let to)):
                buffer.writeBytes([0x21, 0x21])
                buffer.writeInteger(UInt16(36))
                _ = withUnsafeBytes(of: from.address.sin6_addr) { buffer.writeBytes($0) }
                _ = withUnsafeBytes(of: to.address.sin6_addr) { buffer.writeBytes($0) }
                buffer.writeInteger(UInt16(source.port ?? 0))
                buffer.writeInteger(UInt16(destination.port ?? 0))
            default:
                // LOCAL: no addresses to give.
                buffer.writeBytes([0x20, 0x00])
                buffer.writeInteger(UInt16(0))
            }
        }
        return buffer
    }

    // MARK: Reading

    /// A header at the front of `buffer`, if it holds one complete.
    static func parse(_ buffer: ByteBuffer) -> Parsed {
        let bytes = buffer.readableBytesView
        guard let first = bytes.first else { return .incomplete }
        if first == signature[0] {
            let prefix = bytes.prefix(signature.count)
            guard prefix.elementsEqual(signature.prefix(prefix.count)) else { return .invalid("not a PROXY header") }
            return parseV2(buffer)
        }
        if first == UInt8(ascii: "P") {
            let expected = Array("PROXY ".utf8)
            let prefix = bytes.prefix(expected.count)
            guard prefix.elementsEqual(expected.prefix(prefix.count)) else { return .invalid("not a PROXY header") }
            return parseV1(buffer)
        }
        return .invalid("not a PROXY header")
    }

    private static func parseV1(_ buffer: ByteBuffer) -> Parsed {
        let bytes = buffer.readableBytesView
        guard let lf = bytes.prefix(maxV1Length).firstIndex(of: UInt8(ascii: "\n")) else {
            return bytes.count >= maxV1Length ? .invalid("PROXY v1 header too long") : .incomplete
        }
        let length = lf - bytes.startIndex + 1
        guard length >= 2, bytes[lf - 1] == UInt8(ascii: "\r") else { return .invalid("PROXY v1 header without CRLF") }
        let line = String(decoding: bytes[bytes.startIndex..<(lf - 1)], as: UTF8.self)
        let parts = line.split(separator: " ", omittingEmptySubsequences: false)
        if parts.count >= 2, parts[1] == "UNKNOWN" { return .header(Addresses(), length: length) }
        guard parts.count == 6, parts[1] == "TCP4" || parts[1] == "TCP6",
            let sourcePort = Int(parts[4]), let destinationPort = Int(parts[5]),
            (0...65535).contains(sourcePort), (0...65535).contains(destinationPort),
            let source = try? SocketAddress(ipAddress: String(parts[2]), port: sourcePort),
            let destination = try? SocketAddress(ipAddress: String(parts[3]), port: destinationPort),
            (source.protocol == .inet) == (parts[1] == "TCP4"), source.protocol == destination.protocol
        else { return .invalid("malformed PROXY v1 header") }
        return .header(Addresses(source: source, destination: destination), length: length)
    }

    private static func parseV2(_ buffer: ByteBuffer) -> Parsed {
        guard buffer.readableBytes >= 16 else { return .incomplete }
        let start = buffer.readerIndex
        let versionCommand = buffer.getInteger(at: start + 12, as: UInt8.self)!
        let family = buffer.getInteger(at: start + 13, as: UInt8.self)!
        let addressLength = Int(buffer.getInteger(at: start + 14, as: UInt16.self)!)
        guard versionCommand >> 4 == 2 else { return .invalid("PROXY v2 header of an unknown version") }
        guard buffer.readableBytes >= 16 + addressLength else { return .incomplete }
        let length = 16 + addressLength
        switch versionCommand & 0x0F {
        case 0x0:
            return .header(Addresses(), length: length)
        case 0x1:
            break
        default:
            return .invalid("PROXY v2 header with an unknown command")
        }
        switch family {
        case 0x11 where addressLength >= 12:
            let source = ipv4(buffer, at: start + 16, port: start + 24)
            let destination = ipv4(buffer, at: start + 20, port: start + 26)
            return .header(Addresses(source: source, destination: destination), length: length)
        case 0x21 where addressLength >= 36:
            let source = ipv6(buffer, at: start + 16, port: start + 48)
            let destination = ipv6(buffer, at: start + 32, port: start + 50)
            return .header(Addresses(source: source, destination: destination), length: length)
        case 0x00:
            return .header(Addresses(), length: length)
        default:
            return .invalid("PROXY v2 header for a family other than TCP over IPv4 or IPv6")
        }
    }

    private static func ipv4(_ buffer: ByteBuffer, at offset: Int, port: Int) -> SocketAddress? {
        guard let bytes = buffer.getBytes(at: offset, length: 4),
            let port = buffer.getInteger(at: port, as: UInt16.self)
        else { return nil }
        return try? SocketAddress(ipAddress: bytes.map(String.init).joined(separator: "."), port: Int(port))
    }

    private static func ipv6(_ buffer: ByteBuffer, at offset: Int, port: Int) -> SocketAddress? {
        guard let bytes = buffer.getBytes(at: offset, length: 16),
            let port = buffer.getInteger(at: port, as: UInt16.self)
        else { return nil }
        let groups = stride(from: 0, to: 16, by: 2).map {
            String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16)
        }
        return try? SocketAddress(ipAddress: groups.joined(separator: ":"), port: Int(port))
    }
}

/// Reads the PROXY header a load balancer in front of Tandem sends (`accept_proxy: true`), first in the pipeline:
/// the client's real address goes up the pipeline as a ``ProxiedClient`` event before any byte of the stream, and
/// the handler leaves. A connection without a valid header within `timeout` is closed: accepting it would let any
/// client claim any address.
final class ProxyProtocolReceiver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// The client and destination a PROXY header named (nil for LOCAL / UNKNOWN: a check from the balancer).
    struct ProxiedClient: Sendable {
        var source: SocketAddress?
        var destination: SocketAddress?
    }

    private let timeout: TimeAmount
    private var buffered: ByteBuffer?
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if var held = buffered {
            held.writeBuffer(&bytes)
            bytes = held
        }
        switch ProxyProtocol.parse(bytes) {
        case .incomplete:
            buffered = bytes
        case .invalid:
            buffered = nil
            context.close(promise: nil)
        case .header(let addresses, let length):
            bytes.moveReaderIndex(forwardBy: length)
            buffered = nil
            context.fireUserInboundEventTriggered(
                ProxiedClient(source: addresses.source, destination: addresses.destination)
            )
            if bytes.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(bytes)) }
            context.pipeline.syncOperations.removeHandler(self, promise: nil)
        }
    }
}
