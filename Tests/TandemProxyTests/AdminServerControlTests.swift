import Logging
import NIOPosix
import TandemControl
import TandemProxy
import Testing

@testable import tandem

#if canImport(Glibc)
import Glibc
#endif

/// `server` and `backends` over a real admin socket in front of a real proxy and backends on loopback: what
/// `tandem server` and `tandem backends` see.
@Suite("Server control over the admin socket", .timeLimit(.minutes(1)))
struct AdminServerControlTests {
    /// A proxy, its admin socket in a fresh directory, and the servers it serves; `stop()` undoes it all.
    struct Node {
        let proxy: TestProxy
        let backends: [TestBackend]
        let socketPath: String
        let directory: String
        let admin: Task<Void, any Error>

        /// `refusing` adds servers on ports that refuse every connection.
        static func start(backends: [TestBackend], refusing: [Int] = [], extra: [String] = []) async throws -> Node {
            let ports = backends.map(\.port) + refusing
            let proxy = try await TestProxy.start(backends: [BackendSpec(ports: ports, extra: extra)])
            var template = Array("/tmp/tandem-admin-XXXXXX".utf8CString)
            try #require(template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) } != nil)
            let directory = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
            var router = AdminRouter()
            router.registerServerControl(proxy: proxy.server, logger: logger)
            let server = AdminServer(
                socketPath: "\(directory)/admin.sock",
                router: router,
                group: MultiThreadedEventLoopGroup.singleton,
                logger: logger
            )
            try await server.bind()
            let admin = Task { try await server.run() }
            return Node(
                proxy: proxy,
                backends: backends,
                socketPath: server.socketPath,
                directory: directory,
                admin: admin
            )
        }

        func ask(_ request: AdminRequest) async throws -> AdminResponse {
            try await AdminClient(socketPath: socketPath).request(request)
        }

        func rows() async throws -> [BackendsReport.Server] {
            try await ask(AdminRequest(command: "backends")).backends?.servers ?? []
        }

        func stop() async {
            admin.cancel()
            _ = try? await admin.value
            rmdir(directory)
            await proxy.stop()
            for backend in backends { await backend.close() }
        }
    }

    /// A drain while a request is held: the answer counts it in flight, new requests all go to the other
    /// server, `backends` shows the count fall to 0 once the response is let go, and enable brings it back.
    @Test func drainWhileARequestIsInFlight() async throws {
        let gate = ResponseGate()
        let script = BackendScript(gate: gate)
        let node = try await Node.start(backends: [
            try await TestBackend(name: "a", behaviour: .scripted(script)),
            try await TestBackend(name: "b", behaviour: .scripted(script)),
        ])
        let slow = try await node.proxy.connect()
        try await slow.send("GET /slow HTTP/1.1\r\nHost: test.local\r\n\r\n")
        #expect(await eventually { node.backends.contains { $0.gauge.current == 1 } })
        let busy = try #require(node.backends.firstIndex { $0.gauge.current == 1 })
        let drained = ServerControlRequest(action: .drain, backend: "app", server: "app\(busy)")

        let response = try await node.ask(drained.adminRequest)
        #expect(response.ok)
        #expect(response.message == "app/app\(busy): draining, 1 in flight")
        let row = try #require(response.backends?.servers.first)
        #expect(row.admin == .drain && row.inFlight == 1 && row.target == "app/app\(busy)")

        for _ in 0..<10 {
            #expect(try await node.proxy.getOnce().bodyText == node.backends[1 - busy].name)
        }
        let during = try await node.rows()
        #expect(during.map(\.admin) == (busy == 0 ? [.drain, .ready] : [.ready, .drain]))
        #expect(during[busy].inFlight == 1)
        #expect(!drained.isSettled(during[busy]))

        gate.open()
        let finished = try await slow.readResponse()
        #expect(finished.status == 200 && finished.bodyText == node.backends[busy].name)
        #expect(try await eventually { try await node.rows()[busy].inFlight == 0 })
        #expect(drained.isSettled(try await node.rows()[busy]))
        #expect(node.backends[busy].requests.count == 1)

        let enabled = try await node.ask(
            ServerControlRequest(action: .enable, backend: "app", server: "app\(busy)").adminRequest
        )
        #expect(enabled.message == "app/app\(busy): ready and up")
        var served: Set<String> = []
        for _ in 0..<4 { served.insert(try await node.proxy.getOnce().bodyText) }
        #expect(served == ["a", "b"])
        await slow.close()
        await node.stop()
    }

    /// `backends` lists every server with its address, weight, queue and latest health probe (a refused one is
    /// down and says why); a new weight shows at once.
    @Test func backendsListsEveryServer() async throws {
        let refusing = try refusingLoopbackPort()
        let node = try await Node.start(
            backends: [try await TestBackend(name: "a"), try await TestBackend(name: "b")],
            refusing: [refusing],
            extra: ["health: { http: /, interval: 50ms, timeout: 40ms, rise: 1, fall: 1 }"]
        )
        #expect(
            try await eventually {
                try await node.rows().map(\.lastCheck) == ["ok", "ok", "connection refused"]
            }
        )
        let rows = try await node.rows()
        #expect(rows.map(\.target) == ["app/app0", "app/app1", "app/app2"])
        #expect(rows.map(\.address) == (node.backends.map(\.port) + [refusing]).map { "127.0.0.1:\($0)" })
        #expect(rows.map(\.health) == [.up, .up, .down])
        #expect(rows.allSatisfy { $0.admin == .ready && $0.weight == 1 && !$0.ejected })
        #expect(rows.allSatisfy { $0.inFlight == 0 && $0.backendQueue == 0 })

        let weighted = try await node.ask(AdminRequest(command: "server", arguments: ["weight", "app/app1", "50"]))
        #expect(weighted.message == "app/app1: weight 50, ready and up")
        #expect(try await node.rows().map(\.weight) == [1, 50, 1])
        await node.stop()
    }

    /// A request waiting for a server slot shows in the backend's queue, beside the one in flight.
    @Test func backendsCountsTheQueue() async throws {
        let gate = ResponseGate()
        let node = try await Node.start(
            backends: [try await TestBackend(name: "a", behaviour: .scripted(BackendScript(gate: gate)))],
            extra: ["max_connections: 1", "max_queue: 4"]
        )
        let first = try await node.proxy.connect()
        let second = try await node.proxy.connect()
        try await first.send("GET /slow HTTP/1.1\r\nHost: test.local\r\n\r\n")
        #expect(await eventually { node.backends[0].gauge.current == 1 })
        try await second.send("GET /slow HTTP/1.1\r\nHost: test.local\r\n\r\n")
        #expect(try await eventually { try await node.rows().map { [$0.inFlight, $0.backendQueue] } == [[1, 1]] })
        gate.open()
        #expect(try await first.readResponse().status == 200)
        #expect(try await second.readResponse().status == 200)
        #expect(try await eventually { try await node.rows().map { [$0.inFlight, $0.backendQueue] } == [[0, 0]] })
        await first.close()
        await second.close()
        await node.stop()
    }

    /// Unknown names, bad weights and bad operands are refused with the sentence the operator reads, and
    /// change nothing.
    @Test func refusalsNameWhatIsWrong() async throws {
        let node = try await Node.start(backends: [try await TestBackend(name: "a")])
        let cases: [([String], String)] = [
            (["drain", "app/ghost"], "backend app has no server ghost (it has: app0)"),
            (["drain", "nope/app0"], "no backend nope (configured: app)"),
            (["weight", "app/app0", "0"], "weight 0 is outside 1...256"),
            (["drain", "app"], "\"app\" is not BACKEND/SERVER (e.g. app/be1)"),
            (["pause", "app/app0"], "server takes drain|disable|enable BACKEND/SERVER, or weight BACKEND/SERVER N"),
        ]
        for (arguments, error) in cases {
            let response = try await node.ask(AdminRequest(command: "server", arguments: arguments))
            #expect(response == .failure(error), "\(arguments)")
        }
        #expect(try await node.rows().map(\.admin) == [.ready])
        #expect(try await node.rows().map(\.weight) == [1])
        await node.stop()
    }
}
