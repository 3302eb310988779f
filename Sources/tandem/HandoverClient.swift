import ArgumentParser
import TandemControl

/// What `tandem drill` and `tandem failover` share: finding the daemon, checking that a handover may start,
/// and asking for it.
struct HandoverClient {
    let location: AdminSocketOptions
    let command: String

    /// The node's status; exits 1 with the reason when the daemon cannot be asked or has no `ha:`.
    func status() throws -> NodeStatusReport {
        let response = try location.send(.status, for: command)
        guard response.ok, let status = response.status else {
            printError("tandem \(command): the daemon refused: \(response.error ?? "no reason given")")
            throw ExitCode.failure
        }
        guard status.ha != nil else {
            printError("tandem \(command): \(status.node) has no `ha:` section: there is no peer to hand over to")
            throw ExitCode.failure
        }
        return status
    }

    /// Exits 1 with the reason when this node must not hand over `group` (nil: every group it holds) now.
    func requireHandoverAllowed(_ status: NodeStatusReport, group: String? = nil) throws {
        if let refusal = status.ha?.handoverRefusal(node: status.node, group: group) {
            printError("tandem \(command): refused: \(refusal)")
            throw ExitCode.failure
        }
    }

    /// Asks the daemon to hand over; blocks until the peer is ACTIVE or the daemon gives up.
    func handover(drain: Duration, hold: Duration, wait: Duration, group: String? = nil) async -> AdminResponse {
        var arguments = [
            "drain=\(drain.wholeMilliseconds)", "hold=\(hold.wholeMilliseconds)", "wait=\(wait.wholeMilliseconds)",
        ]
        if let group { arguments.append("group=\(group)") }
        let request = AdminRequest(command: "handover", arguments: arguments)
        let location = self.location
        let command = self.command
        // The admin client blocks: keep it off the tasks that drive the probes.
        return await Task.detached {
            (try? location.send(request, for: command, timeout: drain + wait + .seconds(5)))
                ?? AdminResponse.failure("the daemon did not answer the handover request")
        }.value
    }
}

extension Duration {
    /// Whole milliseconds, rounded down.
    var wholeMilliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
