import Testing

@testable import TandemControl

/// `tandem backends` and `tandem server` for people: the aligned table and the lines about one server.
@Suite struct BackendsTextTests {
    static func row(
        _ server: String,
        address: String = "127.0.0.1:8081",
        health: BackendsReport.Health = .up,
        admin: BackendsReport.Admin = .ready,
        inFlight: Int = 0,
        lastCheck: String? = "ok",
        ejected: Bool = false
    ) -> BackendsReport.Server {
        BackendsReport.Server(
            backend: server.hasPrefix("db") ? "postgres" : "app",
            server: server,
            address: address,
            health: health,
            admin: admin,
            weight: server == "be2" ? 100 : 1,
            inFlight: inFlight,
            backendQueue: server.hasPrefix("db") ? 0 : 2,
            lastCheck: lastCheck,
            ejected: ejected
        )
    }

    /// Columns line up under their headers; a failure reason with spaces stays whole in the last column.
    @Test func table() {
        let report = BackendsReport(servers: [
            Self.row("be1", admin: .drain, inFlight: 3),
            Self.row("be2", address: "127.0.0.1:18082", health: .down, lastCheck: "connection refused"),
            Self.row("be3", ejected: true),
            Self.row("db1", address: "[::1]:5432", admin: .disabled, lastCheck: nil),
        ])
        let expected = """
            BACKEND   SERVER  ADDRESS          HEALTH      ADMIN     WEIGHT  INFLIGHT  QUEUE  LAST-CHECK
            app       be1     127.0.0.1:8081   up          drain     1       3         2      ok
            app       be2     127.0.0.1:18082  down        ready     100     0         2      connection refused
            app       be3     127.0.0.1:8081   up,ejected  ready     1       0         2      ok
            postgres  db1     [::1]:5432       up          disabled  1       0         0      -
            """
        #expect(report.table() == expected)
    }

    /// No servers: the header alone.
    @Test func emptyTable() {
        #expect(
            BackendsReport(servers: []).table()
                == "BACKEND  SERVER  ADDRESS  HEALTH  ADMIN  WEIGHT  INFLIGHT  QUEUE  LAST-CHECK"
        )
    }

    /// Each admin state and count reads as a sentence, and the weight is named after a weight change.
    @Test func summaries() {
        #expect(Self.row("be1", admin: .drain, inFlight: 3).summary(after: .drain) == "app/be1: draining, 3 in flight")
        #expect(Self.row("be1", admin: .drain).summary(after: .drain) == "app/be1: drained (0 in flight)")
        #expect(
            Self.row("be1", admin: .disabled, inFlight: 1).summary(after: .disable) == "app/be1: disabled, 1 in flight"
        )
        #expect(Self.row("be1", admin: .disabled).summary(after: .disable) == "app/be1: disabled (0 in flight)")
        #expect(Self.row("be1").summary(after: .enable) == "app/be1: ready and up")
        #expect(
            Self.row("be1", health: .down).summary(after: .enable)
                == "app/be1: ready but down: it takes requests once its health checks pass"
        )
        #expect(
            Self.row("be1", ejected: true).summary(after: .enable)
                == "app/be1: ready but ejected: it takes requests once outlier detection restores it"
        )
        #expect(Self.row("be2").summary(after: .weight(100)) == "app/be2: weight 100, ready and up")
    }

    /// The last `--wait` line gives the time to a tenth of a second, rounded down.
    @Test func settledLine() {
        let drained = Self.row("be1", admin: .drain)
        #expect(
            drained.settled(after: .drain, elapsed: .milliseconds(2_470))
                == "app/be1: drained (0 in flight) after 2.4 s"
        )
        #expect(drained.settled(after: .drain, elapsed: .zero) == "app/be1: drained (0 in flight) after 0.0 s")
        #expect(Self.row("be1").settled(after: .enable, elapsed: .seconds(61)) == "app/be1: ready and up after 61.0 s")
    }
}
