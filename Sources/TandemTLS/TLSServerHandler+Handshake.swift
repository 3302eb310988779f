import COpenSSL
import NIOCore

extension TLSServerHandler {
    /// A plain-text answer for a client that spoke HTTP to the TLS port, so a human sees why.
    static let plaintextHTTPResponse: String = {
        let body = "This port speaks HTTPS: use an https:// URL.\n"
        return "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\n"
            + "Connection: close\r\n\r\n" + body
    }()

    func startHandshakeTimer(context: ChannelHandlerContext) {
        guard handshakeTimeout == nil, case .handshaking = state else {
            return
        }
        let timeout = TimeAmount(tlsContext.handshakeTimeout)
        handshakeTimeout = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            self.fail(.handshakeTimeout, context: context)
        }
    }

    func cancelHandshakeTimer() {
        handshakeTimeout?.cancel()
        handshakeTimeout = nil
    }

    /// Runs the handshake as far as the ciphertext received allows.
    func continueHandshake(context: ChannelHandlerContext) {
        OpenSSLErrorQueue.clear()
        let result = SSL_do_handshake(connection)
        if result == 1 {
            writeCiphertext(context: context, promise: nil)
            context.flush()
            completeHandshake(context: context)
            return
        }
        switch SSL_get_error(connection, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            writeCiphertext(context: context, promise: nil)
            context.flush()
        default:
            let error = OpenSSLErrorQueue.drain()
            let reason: TLSFailureReason
            if COpenSSL_ERR_is_plaintext_HTTP(error.first) == 1 {
                reason = .plaintextHTTP
            } else if handshakeBytesSent == 0 {
                reason = .badClientHello
            } else {
                reason = .protocolError
            }
            fail(reason, context: context)
        }
    }

    /// The peer closed (or half-closed) before the handshake finished. A connection that sent nothing at all
    /// (a TCP health check, a port scan) is not counted as a TLS failure.
    func peerLeftDuringHandshake(context: ChannelHandlerContext, closing: Bool) {
        cancelHandshakeTimer()
        guard handshakeBytesReceived > 0 else {
            state = .closed
            if closing {
                context.close(promise: nil)
            }
            return
        }
        let reason: TLSFailureReason = handshakeBytesSent == 0 ? .badClientHello : .protocolError
        if closing {
            fail(reason, context: context)
        } else {
            state = .closed
            tlsContext.statistics.recordFailure(reason)
        }
    }

    private func completeHandshake(context: ChannelHandlerContext) {
        cancelHandshakeTimer()
        state = .established
        var protocolBytes: UnsafePointer<UInt8>?
        var protocolLength: UInt32 = 0
        SSL_get0_alpn_selected(connection, &protocolBytes, &protocolLength)
        let applicationProtocol = protocolBytes.map {
            String(decoding: UnsafeBufferPointer(start: $0, count: Int(protocolLength)), as: UTF8.self)
        }
        let completed = TLSHandshakeCompleted(
            applicationProtocol: applicationProtocol,
            serverName: COpenSSL_SSL_get_servername(connection).map { String(cString: $0) },
            sessionResumed: SSL_session_reused(connection) == 1,
            protocolVersion: String(cString: SSL_get_version(connection))
        )
        handshake = completed
        tlsContext.statistics.recordHandshake(resumed: completed.sessionResumed)
        context.fireUserInboundEventTriggered(completed)

        let writes = writesBeforeHandshake
        writesBeforeHandshake = []
        for (plaintext, promise) in writes {
            encrypt(plaintext, context: context, promise: promise)
        }
        if flushBeforeHandshake {
            flushBeforeHandshake = false
            context.flush()
        }
        // The client's first application data may have arrived with its Finished message.
        readApplicationData(context: context)
    }

    /// The one failure funnel: counts `reason`, sends what OpenSSL has for the peer (its alert) or the
    /// plain-text 400, and closes this connection.
    func fail(_ reason: TLSFailureReason, context: ChannelHandlerContext) {
        switch state {
        case .closed:
            return
        case .handshaking, .established, .shuttingDown:
            break
        }
        state = .closed
        cancelHandshakeTimer()
        tlsContext.statistics.recordFailure(reason)
        OpenSSLErrorQueue.clear()
        switch reason {
        case .plaintextHTTP:
            let response = context.channel.allocator.buffer(string: Self.plaintextHTTPResponse)
            context.write(wrapOutboundOut(response), promise: nil)
        case .badClientHello, .handshakeTimeout, .protocolError:
            writeCiphertext(context: context, promise: nil)
        }
        context.flush()
        failWritesBeforeHandshake()
        context.close(promise: nil)
    }

    func failWritesBeforeHandshake() {
        let writes = writesBeforeHandshake
        writesBeforeHandshake = []
        for (_, promise) in writes {
            promise?.fail(ChannelError.ioOnClosedChannel)
        }
    }
}
