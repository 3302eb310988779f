import COpenSSL
import NIOCore

/// Terminates TLS on one accepted connection: ciphertext in and out of the socket, plaintext to and from the
/// handlers after it. OpenSSL runs on two memory BIOs, so all I/O stays on the channel's event loop.
///
/// Guarantees:
/// - Every failure (plain HTTP, a bad ClientHello, a handshake timeout, a protocol error) closes this one
///   connection, after sending the alert OpenSSL produced (or a plain-text 400 to a plain HTTP client), and is
///   counted once in `TLSContext.statistics`.
/// - Bounded buffering: ciphertext is read only when the handlers after it ask for data (`read()`) and the
///   channel is writable, so a client that does not read its responses cannot make the server buffer without
///   limit. Plaintext written before the handshake completes is held until it does.
/// - `close()` sends close_notify; a received close_notify is answered with close_notify and a close (or
///   passed on as `ChannelEvent.inputClosed` when the channel allows half-closure).
public final class TLSServerHandler: ChannelDuplexHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    /// Plaintext handed to `SSL_write` per call, so that ciphertext reaches the socket in bounded pieces.
    static let writeChunkSize = 64 * 1024
    /// Plaintext collected from `SSL_read` before it is passed on.
    static let readBufferSize = 16 * 1024

    enum State {
        /// Waiting for the ClientHello or in the middle of the handshake; next: established or closed.
        case handshaking
        /// Application data flows both ways; next: shuttingDown or closed.
        case established
        /// close_notify sent; reads still decrypt until the channel closes; next: closed.
        case shuttingDown
        /// Failed or closed; everything further is dropped.
        case closed
    }

    let tlsContext: TLSContext
    /// Retained for the life of `connection`: the OpenSSL callbacks hold unretained pointers to it.
    let certificates: TLSCertificateSet
    /// `SSL *`, owning both BIOs.
    let connection: OpaquePointer
    /// Ciphertext from the socket, read by OpenSSL.
    let inboundBIO: OpaquePointer
    /// Ciphertext from OpenSSL, to be written to the socket.
    let outboundBIO: OpaquePointer

    var state = State.handshaking
    var handshakeTimeout: Scheduled<Void>?
    var handshakeBytesReceived = 0
    var handshakeBytesSent = 0
    var writesBeforeHandshake: [(ByteBuffer, EventLoopPromise<Void>?)] = []
    var flushBeforeHandshake = false
    /// A `read()` from the handlers after this one that no plaintext has answered yet.
    var readPending = false
    /// A `read()` held back until the channel is writable again.
    var readDeferredUntilWritable = false

    /// What the handshake negotiated; nil until it completes.
    public internal(set) var handshake: TLSHandshakeCompleted?

    /// A handler for one new connection, using the configuration in force in `context` right now.
    public init(context: TLSContext) {
        self.tlsContext = context
        self.certificates = context.currentCertificates()
        guard let connection = SSL_new(certificates.defaultCertificate.context),
            let inboundBIO = BIO_new(BIO_s_mem()), let outboundBIO = BIO_new(BIO_s_mem())
        else {
            fatalError("OpenSSL could not allocate a connection: out of memory")
        }
        SSL_set_bio(connection, inboundBIO, outboundBIO)
        SSL_set_accept_state(connection)
        self.connection = connection
        self.inboundBIO = inboundBIO
        self.outboundBIO = outboundBIO
    }

    deinit {
        SSL_free(connection)
    }

    // MARK: Channel events

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive {
            startHandshakeTimer(context: context)
        }
    }

    public func channelActive(context: ChannelHandlerContext) {
        startHandshakeTimer(context: context)
        context.fireChannelActive()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        if case .handshaking = state {
            peerLeftDuringHandshake(context: context, closing: false)
        }
        state = .closed
        cancelHandshakeTimer()
        failWritesBeforeHandshake()
        context.fireChannelInactive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let ciphertext = unwrapInboundIn(data)
        switch state {
        case .handshaking:
            handshakeBytesReceived += ciphertext.readableBytes
            feed(ciphertext)
            continueHandshake(context: context)
        case .established, .shuttingDown:
            feed(ciphertext)
            readApplicationData(context: context)
        case .closed:
            break
        }
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        context.fireChannelReadComplete()
        switch state {
        case .handshaking:
            // The handlers after this one have seen nothing yet and may not ask to read: keep reading.
            context.read()
        case .established, .shuttingDown:
            // Ciphertext arrived but completed no record: the earlier `read()` is still unanswered.
            if readPending {
                read(context: context)
            }
        case .closed:
            break
        }
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event, case .handshaking = state {
            peerLeftDuringHandshake(context: context, closing: true)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    public func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, readDeferredUntilWritable {
            readDeferredUntilWritable = false
            context.read()
        }
        context.fireChannelWritabilityChanged()
    }

    // MARK: Outbound operations

    public func read(context: ChannelHandlerContext) {
        switch state {
        case .handshaking:
            context.read()
        case .established, .shuttingDown:
            readPending = true
            if context.channel.isWritable {
                context.read()
            } else {
                readDeferredUntilWritable = true
            }
        case .closed:
            break
        }
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let plaintext = unwrapOutboundIn(data)
        switch state {
        case .handshaking:
            writesBeforeHandshake.append((plaintext, promise))
        case .established:
            encrypt(plaintext, context: context, promise: promise)
        case .shuttingDown, .closed:
            promise?.fail(ChannelError.ioOnClosedChannel)
        }
    }

    public func flush(context: ChannelHandlerContext) {
        switch state {
        case .handshaking:
            flushBeforeHandshake = true
        case .established, .shuttingDown, .closed:
            context.flush()
        }
    }

    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        switch (state, mode) {
        case (.established, .all), (.established, .output):
            state = .shuttingDown
            OpenSSLErrorQueue.clear()
            _ = SSL_shutdown(connection)
            OpenSSLErrorQueue.clear()
            writeCiphertext(context: context, promise: nil)
            context.flush()
        case (.handshaking, .all):
            state = .closed
            cancelHandshakeTimer()
            failWritesBeforeHandshake()
        case (.handshaking, _), (.established, _), (.shuttingDown, _), (.closed, _):
            break
        }
        context.close(mode: mode, promise: promise)
    }
}
