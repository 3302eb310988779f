import ArgumentParser
import TandemControl

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `tandem failover`: a planned switchover to the peer with as little loss as possible.
struct FailoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failover",
        abstract: "Hand the VIPs to the peer (planned switchover), moving keep-alive clients first.",
        discussion: """
            On the ACTIVE node: for --drain every response carries `Connection: close` and idle keep-alive \
            connections are closed, so clients reconnect while the VIP is still here; then the node steps \
            down for --hold and the peer claims the VIPs. Requests in flight finish on this node. Refuses on \
            a STANDBY node, when the peer is not alive and STANDBY, or when every backend of the peer is \
            down. Exits 1 when refused or when the peer did not take over (this node then keeps the VIPs).

            With `ha.groups` (active-active), --group moves one VIP group; without it, every group this \
            node is ACTIVE for moves.

            Examples:
              tandem failover --config /etc/tandem/tandem.yaml
              tandem failover --drain 5s --hold 1h --json
              tandem failover --group web-a
            """
    )

    @Option(name: .long, help: ArgumentHelp("The keep-alive wind-down before the handover.", valueName: "duration"))
    var drain = DurationArgument("2s")

    @Option(name: .long, help: ArgumentHelp("How long this node stays stepped down.", valueName: "duration"))
    var hold = DurationArgument("1h")

    @Option(
        name: .long,
        help: ArgumentHelp("The VIP group to hand over (default: every group held).", valueName: "name")
    )
    var group: String?

    @Flag(name: .long, help: "Print the report as one JSON object.")
    var json = false

    @OptionGroup var location: AdminSocketOptions

    func validate() throws {
        guard drain.value <= .seconds(60) else { throw ValidationError("--drain is at most 60s") }
    }

    func run() async throws {
        let client = HandoverClient(location: location, command: "failover")
        try client.requireHandoverAllowed(try client.status(), group: group)
        let response = await client.handover(drain: drain.value, hold: hold.value, wait: .seconds(3), group: group)
        if json, let report = response.handover {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        }
        guard response.ok, let report = response.handover else {
            printError("tandem failover: \(response.error ?? "the handover failed")")
            throw ExitCode.failure
        }
        if !json {
            print("failover: \(report.summary)")
            print("drain: \(Int(report.drainMs)) ms, \(report.connectionsClosed) keep-alive connections closed")
            print("final: \(report.node) \(report.state), \(report.peer) \(report.peerState)")
        }
    }
}
