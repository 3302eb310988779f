import COpenSSL
import NIOCore

extension TLSServerHandler {
    /// Hands ciphertext from the socket to OpenSSL (a memory BIO grows as needed; the amount is one socket read).
    func feed(_ ciphertext: ByteBuffer) {
        ciphertext.withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress, bytes.count > 0 else {
                return
            }
            let written = BIO_write(inboundBIO, base, Int32(bytes.count))
            precondition(written == Int32(bytes.count), "a memory BIO accepts every write")
        }
    }

    /// Moves whatever ciphertext OpenSSL produced to the socket (without flushing). Completes `promise` with
    /// that write, or at once when there was nothing to write.
    func writeCiphertext(context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        let pending = COpenSSL_BIO_pending(outboundBIO)
        guard pending > 0 else {
            promise?.succeed()
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: pending)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: pending) { bytes in
            Int(max(0, BIO_read(outboundBIO, bytes.baseAddress, Int32(pending))))
        }
        if case .handshaking = state {
            handshakeBytesSent += buffer.readableBytes
        }
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    /// Encrypts `plaintext` in chunks, writing each chunk's records as they are made; `promise` completes with
    /// the last of them.
    func encrypt(_ plaintext: ByteBuffer, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        var plaintext = plaintext
        guard plaintext.readableBytes > 0 else {
            context.write(wrapOutboundOut(plaintext), promise: promise)
            return
        }
        while plaintext.readableBytes > 0 {
            let chunk = min(plaintext.readableBytes, Self.writeChunkSize)
            OpenSSLErrorQueue.clear()
            let written = plaintext.withUnsafeReadableBytes { bytes in
                SSL_write(connection, bytes.baseAddress, Int32(chunk))
            }
            guard written > 0 else {
                promise?.fail(ChannelError.ioOnClosedChannel)
                fail(.protocolError, context: context)
                return
            }
            plaintext.moveReaderIndex(forwardBy: Int(written))
            writeCiphertext(context: context, promise: plaintext.readableBytes == 0 ? promise : nil)
        }
    }

    /// Decrypts every complete record received and passes the plaintext on; handles close_notify and errors.
    func readApplicationData(context: ChannelHandlerContext) {
        var plaintext = context.channel.allocator.buffer(capacity: Self.readBufferSize)
        var outcome: Int32 = SSL_ERROR_WANT_READ
        while true {
            OpenSSLErrorQueue.clear()
            var result: Int32 = 0
            plaintext.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.readBufferSize) { bytes in
                result = SSL_read(connection, bytes.baseAddress, Int32(bytes.count))
                return Int(max(0, result))
            }
            if result <= 0 {
                outcome = SSL_get_error(connection, result)
                break
            }
        }
        // TLS 1.3 post-handshake messages (a KeyUpdate answer) may have produced output.
        writeCiphertext(context: context, promise: nil)
        context.flush()
        if plaintext.readableBytes > 0 {
            readPending = false
            context.fireChannelRead(wrapInboundOut(plaintext))
        }
        switch outcome {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            break
        case SSL_ERROR_ZERO_RETURN:
            receivedCloseNotify(context: context)
        default:
            _ = OpenSSLErrorQueue.drain()
            fail(.protocolError, context: context)
        }
    }

    /// The client sent close_notify: it will send nothing more.
    private func receivedCloseNotify(context: ChannelHandlerContext) {
        let halfClosureAllowed = (try? context.channel.syncOptions?.getOption(.allowRemoteHalfClosure)) ?? false
        if halfClosureAllowed, case .established = state {
            context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        } else {
            // Through this handler's own `close`, so that close_notify is answered before the socket closes.
            close(context: context, mode: .all, promise: nil)
        }
    }
}
