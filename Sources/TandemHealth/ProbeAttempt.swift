import NIOCore

/// One probe's life on its event loop: connecting, connected, closing, done. It guarantees that the probe's
/// future completes exactly once, only after the probe's channel (if any) is closed, and no later than the
/// deadline plus the time to close, so a probe never leaks a channel and never hangs.
///
/// Not `Sendable`: every method must run on `eventLoop` (checked); closures reach it through `NIOLoopBound`.
final class ProbeAttempt {
    private enum State {
        /// Connect in progress, nothing decided. Next: connected, waitingForConnect, done.
        case connecting
        /// Channel up, waiting for the probe's verdict. Next: closing.
        case connected(any Channel)
        /// Verdict known (deadline or early failure) but the connect is still pending; its channel, if it
        /// comes, is closed before the verdict is reported. Next: closing, done.
        case waitingForConnect(ProbeOutcome)
        /// Verdict known, channel closing; the verdict is reported when the close completes. Next: done.
        case closing
        /// Verdict reported.
        case done
    }

    let eventLoop: any EventLoop
    private var state = State.connecting
    private let promise: EventLoopPromise<ProbeOutcome>
    private var deadline: Scheduled<Void>?

    /// The verdict, completed once the channel is closed.
    var futureResult: EventLoopFuture<ProbeOutcome> { promise.futureResult }

    /// Starts the clock: after `timeout` the attempt finishes with `"timeout"` whatever it is doing.
    init(eventLoop: any EventLoop, timeout: TimeAmount) {
        eventLoop.preconditionInEventLoop()
        self.eventLoop = eventLoop
        self.promise = eventLoop.makePromise()
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        self.deadline = eventLoop.scheduleTask(in: timeout) {
            bound.value.finish(.failure("timeout"), channel: nil)
        }
    }

    /// The connect succeeded.
    func connected(_ channel: any Channel) {
        eventLoop.preconditionInEventLoop()
        switch state {
        case .connecting:
            state = .connected(channel)
        case .waitingForConnect(let outcome):
            close(channel, reporting: outcome)
        case .closing, .done:
            // The handler already decided on this very channel (its events can run before the connect
            // future's callbacks) and is closing it.
            break
        case .connected:
            preconditionFailure("a probe connects once")
        }
    }

    /// The connect failed.
    func connectFailed(_ error: any Error) {
        eventLoop.preconditionInEventLoop()
        switch state {
        case .connecting:
            report(ProbeOutcome(error: error))
        case .waitingForConnect(let outcome):
            report(outcome)
        case .closing, .done:
            // Decided by the handler before the connect failed late (e.g. the channel closed under it).
            break
        case .connected:
            preconditionFailure("a connected probe cannot fail to connect")
        }
    }

    /// Decides the verdict; the first verdict wins. `channel` is the probe's channel when the caller holds it.
    func finish(_ outcome: ProbeOutcome, channel: (any Channel)?) {
        eventLoop.preconditionInEventLoop()
        switch state {
        case .connecting:
            if let channel {
                close(channel, reporting: outcome)
            } else {
                state = .waitingForConnect(outcome)
            }
        case .connected(let channel):
            close(channel, reporting: outcome)
        case .waitingForConnect, .closing, .done:
            // Later verdicts (the deadline after a response, the close after an error) change nothing.
            break
        }
    }

    private func close(_ channel: any Channel, reporting outcome: ProbeOutcome) {
        state = .closing
        deadline?.cancel()
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        channel.close().whenComplete { _ in
            bound.value.report(outcome)
        }
    }

    private func report(_ outcome: ProbeOutcome) {
        state = .done
        deadline?.cancel()
        deadline = nil
        promise.succeed(outcome)
    }
}
