import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Keeps a listener alive and idle while accept fails for lack of resources (out of file descriptors, kernel
/// memory or buffers): reading the listening socket pauses for `pause`, then resumes.
///
/// NIO's `AcceptBackoffHandler` defers the next `read()`, but when the very first accept of a read fails the
/// channel never asks for another read: its read stays pending, the socket stays registered and level-triggered
/// epoll reports it readable at once, so the loop spins on EMFILE at 100% CPU. Turning `autoRead` off is what
/// unregisters the socket; turning it back on re-registers it.
public final class AcceptPauseHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = any Channel
    public typealias InboundOut = any Channel

    /// The errors after which accepting again at once would fail again at once.
    static let resourceErrors: Set<CInt> = [EMFILE, ENFILE, ENOBUFS, ENOMEM]

    private let pause: TimeAmount
    private let onPause: (@Sendable (IOError) -> Void)?
    private var resumption: Scheduled<Void>?

    /// - Parameter onPause: Told each time accepting pauses (to log it); called on the listener's event loop.
    public init(pause: TimeAmount = .milliseconds(250), onPause: (@Sendable (IOError) -> Void)? = nil) {
        self.pause = pause
        self.onPause = onPause
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let ioError = error as? IOError, Self.resourceErrors.contains(ioError.errnoCode) else {
            context.fireErrorCaught(error)
            return
        }
        guard resumption == nil, let options = context.channel.syncOptions else { return }
        try? options.setOption(.autoRead, value: false)
        onPause?(ioError)
        let channel = context.channel
        resumption = context.eventLoop.assumeIsolated().scheduleTask(in: pause) { [weak self] in
            self?.resumption = nil
            try? channel.syncOptions?.setOption(.autoRead, value: true)
        }
    }

    public func channelInactive(context: ChannelHandlerContext) {
        resumption?.cancel()
        resumption = nil
        context.fireChannelInactive()
    }
}
