import NIOCore
import Testing

@testable import TandemProxy

/// The exchange machine alone, with time stepped by hand: every deadline is checked just before and at the moment
/// it passes.
@Suite("Exchange state machine")
struct ExchangeStateMachineTests {
    static let limits = ExchangeStateMachine.Limits(
        backend: "app",
        responseTimeout: .seconds(5),
        queueTimeout: .seconds(2),
        clientTimeout: .seconds(3),
        retries: 1
    )
    static let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    func at(_ offset: TimeAmount) -> NIODeadline { Self.start + offset }

    func machine(idempotent: Bool = true, hasBody: Bool = false, keepAlive: Bool = true) -> ExchangeStateMachine {
        ExchangeStateMachine(
            limits: Self.limits,
            isIdempotent: idempotent,
            hasBody: hasBody,
            clientKeepAlive: keepAlive,
            now: Self.start
        )
    }

    /// A bodiless request: connect, response timer from attach, response, end with reuse and keep-alive.
    @Test func aPlainExchange() {
        var exchange = machine()
        #expect(exchange.serverChosen(.server(2, cookie: nil)) == .connect(server: 2, setCookie: nil))
        #expect(exchange.nextDeadline == nil, "the connect timeout is the socket's")
        exchange.connected(now: at(.milliseconds(10)))
        #expect(exchange.nextDeadline == at(.milliseconds(5010)))
        #expect(
            exchange.timerFired(now: at(.milliseconds(5009)), serverHeldBack: false, clientHeldBack: false) == .none
        )
        #expect(exchange.responseHeadReceived(status: 200, keepAlive: true, now: at(.seconds(1))) == .forwardFinal)
        exchange.responseBodyReceived(now: at(.seconds(2)))
        #expect(exchange.nextDeadline == at(.seconds(7)))
        #expect(exchange.responseEnded() == .finish(server: 2, reuse: true, keepClient: true, failed: false))
        #expect(exchange.isFinished)
    }

    /// A server silent after its head is cut at the response timeout, counted as failed, and the client closed.
    @Test func aServerSilentAfterItsHeadTimesOut() {
        var exchange = machine()
        _ = exchange.serverChosen(.server(0, cookie: nil))
        exchange.connected(now: Self.start)
        _ = exchange.responseHeadReceived(status: 200, keepAlive: true, now: at(.seconds(1)))
        #expect(
            exchange.timerFired(now: at(.milliseconds(5999)), serverHeldBack: false, clientHeldBack: false) == .none
        )
        #expect(
            exchange.timerFired(now: at(.seconds(6)), serverHeldBack: false, clientHeldBack: false)
                == .serverTimedOut(.closeClient(failedServer: 0))
        )
    }

    /// While the client is slow to read, the server is held back by the proxy: its deadline restarts.
    @Test func aServerHeldBackForASlowClientIsNotIdle() {
        var exchange = machine()
        _ = exchange.serverChosen(.server(0, cookie: nil))
        exchange.connected(now: Self.start)
        _ = exchange.responseHeadReceived(status: 200, keepAlive: true, now: Self.start)
        #expect(exchange.timerFired(now: at(.seconds(5)), serverHeldBack: true, clientHeldBack: false) == .none)
        #expect(exchange.nextDeadline == at(.seconds(10)))
    }

    /// No response before the timeout: 504, never retried (the request may have had its effect).
    @Test func noResponseIsAGatewayTimeout() {
        var exchange = machine()
        _ = exchange.serverChosen(.server(1, cookie: nil))
        exchange.connected(now: Self.start)
        #expect(
            exchange.timerFired(now: at(.seconds(5)), serverHeldBack: false, clientHeldBack: false)
                == .serverTimedOut(.answer(.gatewayTimeout, failedServer: 1))
        )
    }

    /// A failed connect is retried on another server, then answered 502 once the retries are spent.
    @Test func connectFailuresRetryThenAnswer() {
        var exchange = machine(idempotent: false)
        _ = exchange.serverChosen(.server(0, cookie: nil))
        #expect(exchange.connectFailed() == .retry(failedServer: 0))
        #expect(exchange.avoiding == [0])
        _ = exchange.serverChosen(.server(1, cookie: nil))
        #expect(exchange.connectFailed() == .answer(.badGateway, failedServer: 1))
        #expect(exchange.clientKeepAlive, "a complete request keeps its connection after a 502")
    }

    /// A closed connection after the request went out is retried only for idempotent methods.
    @Test func aClosedConnectionIsRetriedOnlyWhenIdempotent() {
        var get = machine(idempotent: true)
        _ = get.serverChosen(.server(0, cookie: nil))
        get.connected(now: Self.start)
        #expect(get.upstreamClosed() == .retry(failedServer: 0))

        var post = machine(idempotent: false)
        _ = post.serverChosen(.server(0, cookie: nil))
        post.connected(now: Self.start)
        #expect(post.upstreamClosed() == .answer(.badGateway, failedServer: 0))
    }

    /// Once body bytes went to a server the request cannot be replayed elsewhere.
    @Test func aForwardedBodyIsNeverReplayed() {
        var exchange = machine(hasBody: true)
        _ = exchange.serverChosen(.server(0, cookie: nil))
        exchange.connected(now: Self.start)
        exchange.requestBodyReceived(ended: false, now: Self.start)
        #expect(exchange.upstreamClosed() == .answer(.badGateway, failedServer: 0))
    }

    /// A body that sends nothing for the client timeout: 408 before any response, a plain close after one began;
    /// a client the proxy itself holds back is given a new window.
    @Test func aStalledBody() {
        var early = machine(hasBody: true)
        _ = early.serverChosen(.server(0, cookie: nil))
        early.connected(now: Self.start)
        early.requestBodyReceived(ended: false, now: at(.seconds(1)))
        #expect(early.timerFired(now: at(.milliseconds(3999)), serverHeldBack: false, clientHeldBack: false) == .none)
        #expect(
            early.timerFired(now: at(.seconds(4)), serverHeldBack: false, clientHeldBack: true) == .none,
            "held back by the proxy"
        )
        #expect(early.nextDeadline == at(.seconds(7)))
        #expect(
            early.timerFired(now: at(.seconds(7)), serverHeldBack: false, clientHeldBack: false)
                == .clientStalled(answer: .bodyTimeout, server: 0)
        )

        var late = machine(hasBody: true)
        _ = late.serverChosen(.server(0, cookie: nil))
        late.connected(now: Self.start)
        _ = late.responseHeadReceived(status: 200, keepAlive: true, now: Self.start)
        #expect(
            late.timerFired(now: at(.seconds(3)), serverHeldBack: false, clientHeldBack: false)
                == .clientStalled(answer: nil, server: 0)
        )
    }

    /// Waiting in the queue ends at the queue timeout with 503; a grant moves the request on.
    @Test func queueing() {
        var waiting = machine()
        #expect(waiting.serverChosen(.allBusy) == .enqueue)
        waiting.queued(now: Self.start)
        #expect(waiting.nextDeadline == at(.seconds(2)))
        guard
            case .leaveQueue(let answer) = waiting.timerFired(
                now: at(.seconds(2)),
                serverHeldBack: false,
                clientHeldBack: false
            )
        else {
            Issue.record("the queue timeout did not fire")
            return
        }
        #expect(answer.status.code == 503)
        #expect(waiting.queueDecided(.server(0, cookie: nil)) == nil, "a late grant is given back")

        var granted = machine()
        _ = granted.serverChosen(.allBusy)
        granted.queued(now: Self.start)
        #expect(granted.queueDecided(.server(3, cookie: "c")) == .connect(server: 3, setCookie: "c"))
    }

    /// A response before the request ended: the client closes after it and the server connection is not reused.
    @Test func anEarlyResponse() {
        var exchange = machine(hasBody: true)
        _ = exchange.serverChosen(.server(0, cookie: nil))
        exchange.connected(now: Self.start)
        _ = exchange.responseHeadReceived(status: 413, keepAlive: true, now: Self.start)
        #expect(exchange.responseEnded() == .finish(server: 0, reuse: false, keepClient: false, failed: false))
    }

    /// Interim responses: 100 keeps the connection reusable, 103 does not, 101 is refused with 502.
    @Test func interimResponses() {
        var continued = machine()
        _ = continued.serverChosen(.server(0, cookie: nil))
        continued.connected(now: Self.start)
        #expect(continued.responseHeadReceived(status: 100, keepAlive: true, now: Self.start) == .forwardInterim)
        _ = continued.responseHeadReceived(status: 200, keepAlive: true, now: Self.start)
        #expect(continued.responseEnded() == .finish(server: 0, reuse: true, keepClient: true, failed: false))

        var hinted = machine()
        _ = hinted.serverChosen(.server(0, cookie: nil))
        hinted.connected(now: Self.start)
        _ = hinted.responseHeadReceived(status: 103, keepAlive: true, now: Self.start)
        _ = hinted.responseHeadReceived(status: 503, keepAlive: true, now: Self.start)
        #expect(hinted.responseEnded() == .finish(server: 0, reuse: false, keepClient: true, failed: true))

        var switched = machine()
        _ = switched.serverChosen(.server(0, cookie: nil))
        switched.connected(now: Self.start)
        #expect(
            switched.responseHeadReceived(status: 101, keepAlive: true, now: Self.start)
                == .refuse(.answer(.badGateway, failedServer: 0))
        )
    }

    /// No server at all is 503; no server left after failures is 502.
    @Test func noServer() {
        var none = machine()
        guard case .answer(let outage) = none.serverChosen(.noneAvailable) else {
            Issue.record("no answer")
            return
        }
        #expect(outage.status.code == 503)

        var exhausted = machine()
        _ = exhausted.serverChosen(.server(0, cookie: nil))
        _ = exhausted.connectFailed()
        #expect(exhausted.serverChosen(.noneAvailable) == .answer(.badGateway))
    }
}
