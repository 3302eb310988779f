import TandemNIOSupport
import Testing

@testable import TandemControl

/// Command × peer × configuration → allowed, or refused with the sentence the peer reads.
@Suite struct AdminAccessTests {
    static let tandem = UserAccount(name: "tandem", uid: 998)
    static let access = AdminAccess(daemon: tandem)

    /// `status` only reads: anyone who could connect may ask.
    @Test func statusIsOpenToEveryPeer() {
        for uid: UInt32 in [0, 998, 1001, 65534] {
            #expect(Self.access.decide("status", uid: uid, name: "x") == .allowed)
        }
    }

    /// `backends` only reads too: a member of the socket's group may list the servers but not change one.
    @Test func backendsIsReadOnlyButServerIsNot() {
        #expect(AdminAccess.readOnlyCommands.contains("backends"))
        #expect(!AdminAccess.readOnlyCommands.contains("server"))
        for uid: UInt32 in [0, 998, 1001, 65534] {
            #expect(Self.access.decide("backends", uid: uid, name: "x") == .allowed)
        }
        #expect(
            Self.access.decide("server", uid: 1001, name: "alice")
                == .refused(
                    "server needs root or the daemon's user (tandem); uid 1001 (alice) may only read: add it to"
                        + " node.admin_operators"
                )
        )
    }

    /// Root and the daemon's own user may change the node; nobody else by default.
    @Test func changesNeedRootOrTheDaemonsUser() {
        for command in ["reload", "handover", "server"] {
            #expect(Self.access.decide(command, uid: 0, name: "root") == .allowed)
            #expect(Self.access.decide(command, uid: 998, name: "tandem") == .allowed)
        }
        #expect(
            Self.access.decide("reload", uid: 1001, name: "alice")
                == .refused(
                    "reload needs root or the daemon's user (tandem); uid 1001 (alice) may only read: add it to"
                        + " node.admin_operators"
                )
        )
    }

    /// The refusal names `handover` by the commands that send it; a uid without a user is named by number.
    @Test func handoverIsNamedByItsCommands() {
        #expect(
            Self.access.decide("handover", uid: 1234, name: nil)
                == .refused(
                    "handover (drill, failover) needs root or the daemon's user (tandem); uid 1234 may only read:"
                        + " add it to node.admin_operators"
                )
        )
    }

    /// A user in `node.admin_operators` may change the node; the refusal lists them.
    @Test func operatorsMayChangeTheNode() {
        let access = AdminAccess(
            daemon: Self.tandem,
            operators: [UserAccount(name: "alice", uid: 1001), UserAccount(name: "bob", uid: 1002)]
        )
        #expect(access.decide("reload", uid: 1002, name: "bob") == .allowed)
        #expect(
            access.decide("reload", uid: 1003, name: "carol")
                == .refused(
                    "reload needs root, the daemon's user (tandem) or node.admin_operators (alice, bob); uid 1003"
                        + " (carol) may only read: add it to node.admin_operators"
                )
        )
    }

    /// A daemon running as root is not named twice.
    @Test func daemonAsRoot() {
        let access = AdminAccess(daemon: UserAccount(name: "root", uid: 0))
        #expect(
            access.decide("reload", uid: 1001, name: "alice")
                == .refused("reload needs root; uid 1001 (alice) may only read: add it to node.admin_operators")
        )
    }

    /// A command not known to be read-only counts as a change, even one the daemon does not serve.
    @Test func unknownCommandsAreClosedToReaders() {
        guard case .refused = Self.access.decide("frobnicate", uid: 1001, name: "alice") else {
            Issue.record("an unknown command must not be open to readers")
            return
        }
    }

    /// The name is looked up only for a refusal (a user-database lookup can be slow).
    @Test func nameIsLookedUpOnlyToRefuse() {
        var lookups = 0
        func name() -> String? {
            lookups += 1
            return "alice"
        }
        _ = Self.access.decide("status", uid: 1001, name: name())
        _ = Self.access.decide("reload", uid: 998, name: name())
        #expect(lookups == 0)
        _ = Self.access.decide("reload", uid: 1001, name: name())
        #expect(lookups == 1)
    }
}
