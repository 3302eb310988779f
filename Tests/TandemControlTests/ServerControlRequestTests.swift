import Testing

@testable import TandemControl

/// The `server` command's operands both ways, and what the router answers for them.
@Suite struct ServerControlRequestTests {
    static let row = BackendsReport.Server(
        backend: "app",
        server: "be1",
        address: "127.0.0.1:8081",
        health: .up,
        admin: .drain,
        weight: 1,
        inFlight: 3,
        backendQueue: 0,
        lastCheck: "ok",
        ejected: false
    )

    /// Every action becomes the admin arguments the daemon parses back into the same request.
    @Test func argumentsRoundTrip() throws {
        let actions: [ServerControlRequest.Action] = [.drain, .disable, .enable, .weight(50)]
        for action in actions {
            let request = ServerControlRequest(action: action, backend: "app", server: "be1")
            #expect(request.adminRequest.command == "server")
            let arguments = try #require(request.adminRequest.arguments)
            #expect(try ServerControlRequest.parse(arguments).get() == request)
        }
        #expect(
            ServerControlRequest(action: .weight(50), backend: "app", server: "be1").adminRequest.arguments
                == ["weight", "app/be1", "50"]
        )
        #expect(
            ServerControlRequest(action: .drain, backend: "app", server: "be1").adminRequest.arguments
                == ["drain", "app/be1"]
        )
    }

    /// A target is exactly two non-empty names around one slash.
    @Test func targets() throws {
        #expect(try ServerControlRequest.parseTarget("app/be1").get() == ("app", "be1"))
        for bad in ["app", "/be1", "app/", "a/b/c", "", "/"] {
            #expect(throws: ServerControlRequest.ArgumentError.self) { try ServerControlRequest.parseTarget(bad).get() }
        }
        #expect {
            try ServerControlRequest.parseTarget("app").get()
        } throws: { "\($0)" == "\"app\" is not BACKEND/SERVER (e.g. app/be1)" }
    }

    /// Wrong words, counts and weights are refused with the sentence the operator reads.
    @Test func badArguments() {
        let usage = "server takes drain|disable|enable BACKEND/SERVER, or weight BACKEND/SERVER N"
        let cases: [([String], String)] = [
            ([], usage),
            (["drain"], usage),
            (["drain", "app/be1", "extra"], usage),
            (["weight", "app/be1"], usage),
            (["pause", "app/be1"], usage),
            (["weight", "app/be1", "lots"], "server weight: \"lots\" is not a whole number"),
            (["enable", "be1"], "\"be1\" is not BACKEND/SERVER (e.g. app/be1)"),
        ]
        for (arguments, message) in cases {
            #expect(throws: ServerControlRequest.ArgumentError(message), "\(arguments)") {
                try ServerControlRequest.parse(arguments).get()
            }
        }
    }

    /// `--wait` ends at 0 in flight for drain and disable, at up and not ejected for enable, at once for weight.
    @Test func settled() {
        let drain = ServerControlRequest(action: .drain, backend: "app", server: "be1")
        var row = Self.row
        #expect(!drain.isSettled(row))
        row.inFlight = 0
        #expect(drain.isSettled(row))
        let enable = ServerControlRequest(action: .enable, backend: "app", server: "be1")
        row.health = .down
        #expect(!enable.isSettled(row))
        row.health = .up
        row.ejected = true
        #expect(!enable.isSettled(row))
        row.ejected = false
        #expect(enable.isSettled(row))
        #expect(ServerControlRequest(action: .weight(3), backend: "app", server: "be1").isSettled(Self.row))
        #expect([drain.admin, enable.admin] == [.drain, .ready])
    }

    /// The router parses, applies and answers with the row and its sentence; a thrown error reaches the operator
    /// as its description, and bad operands never reach `apply`.
    @Test func router() async {
        struct Unknown: Error, CustomStringConvertible {
            var description: String { "backend app has no server ghost (it has: be1)" }
        }
        var router = AdminRouter()
        router.registerServerControl(
            servers: { [Self.row] },
            apply: { request in
                guard request.server == "be1" else { throw Unknown() }
                return Self.row
            }
        )
        #expect(router.commands == ["backends", "server"])
        let listed = await router.respond(to: AdminRequest(command: "backends"))
        #expect(listed == AdminResponse(ok: true, backends: BackendsReport(servers: [Self.row])))
        let drained = await router.respond(to: AdminRequest(command: "server", arguments: ["drain", "app/be1"]))
        #expect(
            drained
                == AdminResponse(
                    ok: true,
                    message: "app/be1: draining, 3 in flight",
                    backends: BackendsReport(servers: [Self.row])
                )
        )
        let unknown = await router.respond(to: AdminRequest(command: "server", arguments: ["drain", "app/ghost"]))
        #expect(unknown == .failure("backend app has no server ghost (it has: be1)"))
        let bad = await router.respond(to: AdminRequest(command: "server"))
        #expect(bad.ok == false && bad.error?.hasPrefix("server takes") == true)
    }
}
