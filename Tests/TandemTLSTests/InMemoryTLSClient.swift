import COpenSSL
import NIOCore
import NIOEmbedded

/// An OpenSSL client on memory BIOs, to drive `TLSServerHandler` inside an `EmbeddedChannel` without sockets
/// or wall-clock time.
final class InMemoryTLSClient {
    private let context: OpaquePointer
    private let connection: OpaquePointer
    private let inbound: OpaquePointer
    private let outbound: OpaquePointer

    init(serverName: String, maximumVersion: Int32 = TLS1_3_VERSION) {
        context = SSL_CTX_new(TLS_client_method())!
        _ = SSL_CTX_ctrl(context, SSL_CTRL_SET_MAX_PROTO_VERSION, Int(maximumVersion), nil)
        connection = SSL_new(context)!
        inbound = BIO_new(BIO_s_mem())!
        outbound = BIO_new(BIO_s_mem())!
        SSL_set_bio(connection, inbound, outbound)
        SSL_set_connect_state(connection)
        _ = COpenSSL_SSL_set_tlsext_host_name(connection, serverName)
        let alpn: [UInt8] = [2] + Array("h2".utf8) + [8] + Array("http/1.1".utf8)
        _ = SSL_set_alpn_protos(connection, alpn, UInt32(alpn.count))
    }

    deinit {
        SSL_free(connection)
        SSL_CTX_free(context)
    }

    var handshakeDone: Bool { SSL_is_init_finished(connection) == 1 }
    /// Whether the server's close_notify has arrived.
    var receivedCloseNotify: Bool { SSL_get_shutdown(connection) & SSL_RECEIVED_SHUTDOWN != 0 }

    /// Moves bytes both ways between this client and `channel` until neither side has anything to say.
    func exchange(with channel: EmbeddedChannel) throws {
        for _ in 0..<32 {
            if !handshakeDone {
                ERR_clear_error()
                _ = SSL_do_handshake(connection)
            }
            var progressed = false
            let toServer = takeOutput()
            if !toServer.isEmpty, channel.isActive {
                try channel.writeInbound(ByteBuffer(bytes: toServer))
                progressed = true
            }
            while let toClient = try channel.readOutbound(as: ByteBuffer.self) {
                if toClient.readableBytes > 0 {
                    _ = toClient.withUnsafeReadableBytes { BIO_write(inbound, $0.baseAddress, Int32($0.count)) }
                    progressed = true
                }
            }
            if !progressed {
                return
            }
        }
    }

    /// Encrypts `text` (sent at the next `exchange`).
    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = SSL_write(connection, bytes, Int32(bytes.count))
    }

    /// Decrypts everything received so far.
    func receive() -> String {
        var text = ""
        var buffer = [UInt8](repeating: 0, count: 16_384)
        for _ in 0..<64 {
            let count = SSL_read(connection, &buffer, Int32(buffer.count))
            if count <= 0 {
                break
            }
            text += String(decoding: buffer.prefix(Int(count)), as: UTF8.self)
        }
        return text
    }

    /// Queues close_notify (sent at the next `exchange`).
    func sendCloseNotify() {
        _ = SSL_shutdown(connection)
    }

    /// Raw bytes the client would send now (for truncating a ClientHello).
    func takeOutput() -> [UInt8] {
        let pending = Int(COpenSSL_BIO_pending(outbound))
        guard pending > 0 else {
            return []
        }
        var bytes = [UInt8](repeating: 0, count: pending)
        let read = BIO_read(outbound, &bytes, Int32(pending))
        return Array(bytes.prefix(Int(max(0, read))))
    }

    /// Starts the handshake and returns the ClientHello bytes without sending them.
    func clientHello() -> [UInt8] {
        _ = SSL_do_handshake(connection)
        return takeOutput()
    }
}
