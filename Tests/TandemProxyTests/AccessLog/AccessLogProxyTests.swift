import Foundation
import NIOCore
import TandemConfig
import Testing

/// The access log of a proxy on loopback with real servers: the line each kind of request or tunnel leaves, and
/// a reopen after the file was renamed.
@Suite("Access log through the proxy", .timeLimit(.minutes(1)))
struct AccessLogProxyTests {
    /// A fresh directory with the log's path in it, removed by `remove`.
    struct Scratch {
        let directory: String
        var path: String { directory + "/access.log" }

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-al-\(UUID())").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }

        func logLine(format: String = "text") -> String { "log: { file: \"\(path)\", format: \(format) }" }

        func lines(_ path: String? = nil) -> [String] {
            guard let text = try? String(contentsOfFile: path ?? self.path, encoding: .utf8) else { return [] }
            return text.split(separator: "\n").map(String.init)
        }

        /// Waits for at least `count` lines (the writer flushes every 50 ms).
        func waitForLines(_ count: Int, in path: String? = nil) async -> [String] {
            _ = await eventually { lines(path).count >= count }
            return lines(path)
        }

        func remove() { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// How many of this process's descriptors are open on `path` (from /proc/self/fd).
    static func descriptors(on path: String) -> Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return entries.filter {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + $0)) == path
        }
        .count
    }

    /// The fields of a text line after the date, split where the format puts spaces (the request in quotes is one).
    static func fields(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        for character in line {
            if character == "\"" { quoted.toggle() }
            if character == " ", !quoted {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }

    /// A GET that a server answers: client address and port, names, request, status, bytes each way, `--`.
    @Test func aNormalRequest() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let backend = try await TestBackend(name: "alive")
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [backend.port])],
            frontend: [scratch.logLine()]
        )
        let client = try await proxy.connect()
        let port = try #require(client.channel.localAddress?.port)
        let response = try await client.get("/hello?x=1")
        #expect(response.status == 200)
        await client.close()
        let lines = await scratch.waitForLines(1)
        try #require(lines.count == 1)
        let fields = Self.fields(lines[0])
        #expect(fields.count == 11)
        #expect(fields[0].hasSuffix("Z") && fields[0].count == 24)
        #expect(fields[1] == "127.0.0.1:\(port)")
        #expect(fields[2] == "web")
        #expect(fields[3] == "app/app0")
        #expect(fields[4] == "\"GET /hello?x=1 HTTP/1.1\"")
        #expect(fields[5] == "200")
        #expect(Int(fields[6]) ?? 0 > 60, "the response head and body")
        #expect(fields[7] == "\("GET /hello?x=1 HTTP/1.1\r\nHost: test.local\r\n\r\n".utf8.count)")
        let timings = fields[8].split(separator: "/").compactMap { Int($0) }
        #expect(timings.count == 5 && timings.allSatisfy { $0 >= 0 })
        #expect(fields[9] == "0")
        #expect(fields[10] == "--")
        await proxy.stop()
        await backend.close()
    }

    /// A head the proxy refuses gets a line too, with what was received and why it was refused.
    @Test func aRefusedRequest() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let backend = try await TestBackend(name: "alive")
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [backend.port])],
            frontend: [scratch.logLine()]
        )
        let client = try await proxy.connect()
        try await client.send("GET /a b HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await client.readResponse().status == 400)
        await client.close()
        let lines = await scratch.waitForLines(1)
        try #require(lines.count == 1)
        let fields = Self.fields(lines[0])
        #expect(fields[3] == "-/-")
        #expect(fields[4] == "\"GET /a b HTTP/1.1\"")
        #expect(fields[5] == "400")
        #expect(fields[8].hasSuffix("/-1/-1/-1/" + fields[8].split(separator: "/").last!))
        #expect(fields[10] == "PR")
        #expect(fields[11] == "\"invalid request line\"")
        #expect(backend.requests.count == 0)
        await proxy.stop()
        await backend.close()
    }

    /// A refused connect (the only server): 502, the server named, `SC` and the connect error.
    @Test func aRefusedConnect() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [try refusingLoopbackPort()])],
            frontend: [scratch.logLine()]
        )
        #expect(try await proxy.getOnce("/x").status == 502)
        let lines = await scratch.waitForLines(1)
        try #require(lines.count == 1)
        let fields = Self.fields(lines[0])
        #expect(fields[3] == "app/app0")
        #expect(fields[5] == "502")
        #expect(fields[8].split(separator: "/")[2] == "-1", "never connected")
        #expect(fields[10] == "SC")
        #expect(fields[11].hasPrefix("\"connect: "))
        await proxy.stop()
    }

    /// Three requests on one keep-alive connection: three lines, one client port, in order.
    @Test func aKeepAliveSequence() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let backend = try await TestBackend(name: "alive")
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [backend.port])],
            frontend: [scratch.logLine()]
        )
        let client = try await proxy.connect()
        let port = try #require(client.channel.localAddress?.port)
        for index in 1...3 { #expect(try await client.get("/\(index)").status == 200) }
        let lines = await scratch.waitForLines(3)
        try #require(lines.count == 3)
        for (index, line) in lines.enumerated() {
            let fields = Self.fields(line)
            #expect(fields[1] == "127.0.0.1:\(port)")
            #expect(fields[4] == "\"GET /\(index + 1) HTTP/1.1\"")
            #expect(fields[10] == "--")
        }
        await client.close()
        await proxy.stop()
        await backend.close()
    }

    /// A `mode: tcp` tunnel gets one line at its end: no request, bytes each way, its duration.
    @Test func aTCPTunnel() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let server = try await TestTCPServer(.answerAtEndOfInput)
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [server.port])],
            frontend: [scratch.logLine()],
            mode: "tcp"
        )
        let client = try await proxy.connect()
        try await client.send("0123456789")
        try await client.channel.close(mode: .output)
        let (bytes, closed) = await client.readUntilClose(timeout: .seconds(5))
        #expect(String(decoding: bytes, as: UTF8.self) == "received 10")
        #expect(closed)
        let lines = await scratch.waitForLines(1)
        try #require(lines.count == 1)
        let fields = Self.fields(lines[0])
        #expect(fields[3] == "app/app0")
        #expect(fields[4] == "\"-\"")
        #expect(fields[5] == "-1")
        #expect(fields[6] == "11")
        #expect(fields[7] == "10")
        let timings = fields[8].split(separator: "/")
        #expect(timings[0] == "-1" && timings[1] == "0" && timings[3] == "-1")
        #expect(fields[10] == "--")
        await proxy.stop()
        await server.close()
    }

    /// An upgraded connection gets its one line when the tunnel ends: the request, 101, the tunnel's bytes.
    @Test func anUpgradeLogsAtTheTunnelsEnd() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let backend = try await TestBackend(name: "ws", behaviour: .switchProtocols)
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [backend.port])],
            frontend: [scratch.logLine()]
        )
        let client = try await proxy.connect()
        let request = "GET /chat HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n"
        try await client.send(request)
        #expect(try await client.readResponse(timeout: .seconds(3)).status == 101)
        try await Task.sleep(for: .milliseconds(100))
        #expect(scratch.lines().isEmpty, "no line while the tunnel stands")
        try await client.send("hello")
        await client.close()
        let lines = await scratch.waitForLines(1)
        try #require(lines.count == 1)
        let fields = Self.fields(lines[0])
        #expect(fields[4] == "\"GET /chat HTTP/1.1\"")
        #expect(fields[5] == "101")
        #expect(Int(fields[7]) ?? 0 >= request.utf8.count)
        #expect(fields[10].hasSuffix("D") || fields[10] == "--")
        await proxy.stop()
        await backend.close()
    }

    /// JSON lines parse, with the documented keys.
    @Test func aJSONLine() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let backend = try await TestBackend(name: "alive")
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [backend.port])],
            frontend: [scratch.logLine(format: "json")]
        )
        #expect(try await proxy.getOnce("/j").status == 200)
        let lines = await scratch.waitForLines(1)
        try #require(lines.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(object["target"] as? String == "/j")
        #expect(object["status"] as? Int == 200)
        #expect(object["server"] as? String == "app0")
        #expect(object["termination"] as? String == "--")
        await proxy.stop()
        await backend.close()
    }

    /// logrotate's way: rename the file, reopen, and the next lines go to a new file at the path.
    @Test func aReopenAfterARename() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let backend = try await TestBackend(name: "alive")
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [backend.port])],
            frontend: [scratch.logLine()]
        )
        #expect(try await proxy.getOnce("/before").status == 200)
        _ = await scratch.waitForLines(1)
        let rotated = scratch.path + ".1"
        try FileManager.default.moveItem(atPath: scratch.path, toPath: rotated)
        proxy.server.reopenAccessLogs()
        #expect(await eventually { proxy.server.accessLogStatistics().first?.statistics.reopens == 1 })
        #expect(try await proxy.getOnce("/after").status == 200)
        let fresh = await scratch.waitForLines(1)
        #expect(fresh.count == 1)
        #expect(fresh.first?.contains("\"GET /after HTTP/1.1\"") == true)
        let old = scratch.lines(rotated)
        #expect(old.count == 1)
        #expect(old.first?.contains("\"GET /before HTTP/1.1\"") == true)
        await proxy.stop()
        await backend.close()
    }

    /// A reload that moves the log to another file: requests after it are logged there, and the old file is closed
    /// once the connections from before have had the idle grace and the drain timeout (here 1 s) to end.
    @Test func aReloadThatMovesTheLogClosesTheOldFile() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let backend = try await TestBackend(name: "alive")
        let proxy = try await TestProxy.start(
            backends: [BackendSpec(ports: [backend.port])],
            frontend: [scratch.logLine()],
            drainTimeout: "1s"
        )
        #expect(try await proxy.getOnce("/before").status == 200)
        #expect(await scratch.waitForLines(1).count == 1)
        #expect(Self.descriptors(on: scratch.path) == 1)

        let moved = scratch.directory + "/moved.log"
        let yaml = TestProxy.configuration(
            port: try #require(proxy.address.port),
            backends: [BackendSpec(ports: [backend.port])],
            frontend: ["log: { file: \"\(moved)\", format: text }"],
            drainTimeout: "1s"
        )
        _ = try await proxy.server.reload(to: try ConfigLoader.parse(yaml: yaml, file: "test.yaml"))
        #expect(try await proxy.getOnce("/after").status == 200)
        let after = await scratch.waitForLines(1, in: moved)
        #expect(after.count == 1 && after[0].contains("GET /after"))
        #expect(scratch.lines().count == 1)
        #expect(
            await eventually(timeout: .seconds(8)) { Self.descriptors(on: scratch.path) == 0 },
            "old log still open"
        )
        #expect(Self.descriptors(on: moved) == 1)
        await proxy.stop()
        #expect(Self.descriptors(on: moved) == 0)
        await backend.close()
    }
}
