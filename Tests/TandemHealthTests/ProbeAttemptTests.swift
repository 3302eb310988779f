import NIOCore
import NIOEmbedded
import Testing

@testable import TandemHealth

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The probe's life cycle on an embedded loop: one verdict, reported only after the channel is closed, and the
/// deadline stepped just before and at its time.
@Suite struct ProbeAttemptTests {
    /// A verdict on a connected channel closes it, then reports.
    @Test func verdictClosesChannelThenReports() throws {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let attempt = ProbeAttempt(eventLoop: loop, timeout: .seconds(1))
        attempt.connected(channel)
        attempt.finish(.success, channel: nil)
        loop.run()
        #expect(!channel.isActive)
        #expect(try attempt.futureResult.wait() == .success)
    }

    /// An early verdict while the connect is pending waits for it; the late channel is closed before the verdict
    /// is reported, and the deadline firing later changes nothing.
    @Test func verdictWhileConnectingClosesLateChannel() throws {
        let loop = EmbeddedEventLoop()
        let attempt = ProbeAttempt(eventLoop: loop, timeout: .milliseconds(500))
        let results = AwaitableLog<ProbeOutcome>()
        attempt.futureResult.whenSuccess { results.append($0) }

        attempt.finish(.failure("early"), channel: nil)
        loop.advanceTime(by: .milliseconds(100))
        #expect(results.elements.isEmpty, "no verdict while the connect is pending")

        let channel = EmbeddedChannel(loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        attempt.connected(channel)
        loop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
        #expect(results.elements == [.failure("early")])
    }

    /// The deadline decides "timeout" at `timeout`, not a nanosecond before: a connect failing just before it
    /// reports its own cause, one failing at it reports "timeout".
    @Test func deadlineFiresAtTimeout() throws {
        let loop = EmbeddedEventLoop()
        let refused = IOError(errnoCode: ECONNREFUSED, reason: "connect")
        let beforeDeadline = ProbeAttempt(eventLoop: loop, timeout: .milliseconds(500))
        let atDeadline = ProbeAttempt(eventLoop: loop, timeout: .milliseconds(500))

        loop.advanceTime(by: .milliseconds(500) - .nanoseconds(1))
        beforeDeadline.connectFailed(refused)
        #expect(try beforeDeadline.futureResult.wait() == .failure("connection refused"))

        loop.advanceTime(by: .nanoseconds(1))
        atDeadline.connectFailed(refused)
        #expect(try atDeadline.futureResult.wait() == .failure("timeout"))
    }

    /// A failed connect reports its cause at once.
    @Test func connectFailureReportsCause() throws {
        let loop = EmbeddedEventLoop()
        let attempt = ProbeAttempt(eventLoop: loop, timeout: .seconds(1))
        attempt.connectFailed(IOError(errnoCode: ECONNREFUSED, reason: "connect"))
        #expect(try attempt.futureResult.wait() == .failure("connection refused"))
    }

    /// A handler's verdict that arrives before the connect callback closes its channel; the later connect
    /// callback is ignored and the verdict is reported once.
    @Test func handlerVerdictBeforeConnectCallback() throws {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let attempt = ProbeAttempt(eventLoop: loop, timeout: .seconds(1))
        attempt.finish(.failure("status 503"), channel: channel)
        attempt.connected(channel)
        loop.run()
        #expect(!channel.isActive)
        #expect(try attempt.futureResult.wait() == .failure("status 503"))
    }
}
