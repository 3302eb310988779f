import NIOCore
import Synchronization
import Testing

@testable import TandemHA

/// A controller whose claims fail while `failing` is set, and whose helper report is scripted.
final class FlakyVIPController: VIPHelperDuties {
    let failing = Mutex(true)
    let calls = Mutex<[String]>([])
    let reportMissing = Mutex(false)
    let armed = Mutex<[[UInt8]]>([])

    func claim() async throws {
        calls.withLock { $0.append("claim") }
        if failing.withLock({ $0 }) { throw FlakyError() }
    }
    func release() async throws { calls.withLock { $0.append("release") } }
    func reannounce() async throws { calls.withLock { $0.append("reannounce") } }
    func holdings() async throws -> VIPHoldings {
        reportMissing.withLock { $0 }
            ? VIPHoldings(present: [], missing: ["198.18.0.100/24@eth0"])
            : VIPHoldings(present: ["198.18.0.100/24@eth0"], missing: [])
    }
    func armFarewell(_ packet: [UInt8], destinations: [SocketAddress]) async throws {
        armed.withLock { $0.append(packet) }
    }
    func disarmFarewell() async throws { calls.withLock { $0.append("disarm") } }

    struct FlakyError: Error, CustomStringConvertible {
        var description: String { "the helper refused: not in the allow list" }
    }
}

@Suite("Heartbeat service under faults")
struct HeartbeatServiceFaultTests {
    let keyring = HeartbeatFixtures.keyring(HeartbeatFixtures.key(id: 1, fill: 0x5A))

    func service(
        _ name: String,
        priority: Int = 100,
        keyring: HeartbeatKeyring,
        controller: any VIPController
    ) async throws -> HeartbeatService {
        var configuration = try HeartbeatServiceFixtures.configuration(
            name: name,
            priority: priority,
            interval: .milliseconds(20),
            keyring: keyring
        )
        configuration.claimRetryLimit = .milliseconds(300)
        configuration.claimFaultHold = .milliseconds(700)
        configuration.reconcileInterval = .milliseconds(200)
        let service = HeartbeatService(configuration: configuration, vipController: controller)
        try await service.bind()
        return service
    }

    /// A claim that keeps failing is retried with backoff, then the node goes FAULT with the reason shown;
    /// the FAULT ends after its hold and the node claims again (and succeeds once the helper agrees).
    @Test func failingClaimsGiveWay() async throws {
        let controller = FlakyVIPController()
        let node = try await service("lb-a", keyring: keyring, controller: controller)
        let run = Task { try await node.run() }
        defer { run.cancel() }
        #expect(await eventually(within: .seconds(5)) { node.status().state == .fault })
        let status = node.status()
        #expect(status.failingTracks == ["vip-claim"])
        #expect(status.vipProblem?.contains("not in the allow list") == true)
        let attempts = controller.calls.withLock { $0.filter { $0 == "claim" }.count }
        #expect(attempts >= 3)
        #expect(controller.calls.withLock { $0.first } == "release")  // at start: nothing left from a crash
        controller.failing.withLock { $0 = false }
        #expect(await eventually(within: .seconds(5)) { node.status().state == .active })
        // The problem clears when the claim succeeds, a moment after the decision to claim.
        #expect(await eventually(within: .seconds(2)) { node.status().vipProblem == nil })
        run.cancel()
        _ = try? await run.value
        #expect(controller.calls.withLock { $0.suffix(2) } == ["release", "disarm"])
    }

    /// Reconciliation: an ACTIVE node whose helper no longer holds the VIP claims it again.
    @Test func reconciliationClaimsAgain() async throws {
        let controller = FlakyVIPController()
        controller.failing.withLock { $0 = false }
        let node = try await service("lb-a", keyring: keyring, controller: controller)
        let run = Task { try await node.run() }
        defer { run.cancel() }
        #expect(await eventually(within: .seconds(5)) { node.status().state == .active })
        #expect(!controller.armed.withLock { $0 }.isEmpty)
        let claims = controller.calls.withLock { $0.filter { $0 == "claim" }.count }
        controller.reportMissing.withLock { $0 = true }
        #expect(
            await eventually(within: .seconds(3)) {
                controller.calls.withLock { $0.filter { $0 == "claim" }.count } > claims
            }
        )
        run.cancel()
        _ = try? await run.value
    }

    /// Mismatched keys over real UDP: one holder (the higher priority), the other STANDBY, both warn.
    @Test func mismatchedKeysGiveOneHolder() async throws {
        let other = HeartbeatFixtures.keyring(HeartbeatFixtures.key(id: 1, fill: 0x77))
        let first = RecordingVIPController()
        let second = RecordingVIPController()
        let a = try await service("lb-a", priority: 150, keyring: keyring, controller: first)
        let b = try await service("lb-b", priority: 100, keyring: other, controller: second)
        a.setPeers([try #require(b.localAddress)])
        b.setPeers([try #require(a.localAddress)])
        let runs = [Task { try await a.run() }, Task { try await b.run() }]
        defer { runs.forEach { $0.cancel() } }
        #expect(await eventually(within: .seconds(5)) { a.status().state == .active })
        #expect(await eventually(within: .seconds(5)) { b.status().state == .standby })
        try await Task.sleep(for: .milliseconds(500))
        #expect(a.status().state == .active && b.status().state == .standby)
        #expect(!second.calls.contains(.claim))
        #expect(a.status().untrustedPeer?.problem == "heartbeats from lb-b fail authentication: check key_file")
        #expect(b.status().untrustedPeer?.problem == "heartbeats from lb-a fail authentication: check key_file")
        // Equal keys again (SIGHUP on lb-b): trust returns, no warning.
        b.replaceKeyring(keyring)
        #expect(
            await eventually(within: .seconds(3)) { b.status().untrustedPeer == nil && b.status().peer?.alive == true }
        )
        #expect(a.status().state == .active && b.status().state == .standby)
        runs.forEach { $0.cancel() }
        for run in runs { _ = try? await run.value }
    }
}
