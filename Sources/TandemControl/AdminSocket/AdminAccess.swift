import TandemNIOSupport

#if canImport(Glibc)
import Glibc
#endif

/// Which admin commands a peer may run, by the uid the kernel reports for it.
///
/// Reading (`status`, `backends`) is open to whoever the socket's mode lets connect (root, the daemon's user, the
/// socket's group). Commands that change the node (`handover` for drill and failover, `reload`, `server`)
/// need root, the daemon's own user or a user in `node.admin_operators`: the group is handed out so that
/// people can look, and looking must not let them move the VIP. A command not known to be read-only counts
/// as a change, so a new command is closed until it is listed here.
public struct AdminAccess: Sendable, Equatable {
    /// The answer for one command.
    public enum Decision: Sendable, Equatable {
        case allowed
        /// The sentence the peer gets.
        case refused(String)
    }

    /// The commands that only read.
    public static let readOnlyCommands: Set<String> = ["status", "backends"]

    /// The daemon's own user.
    public var daemon: UserAccount
    /// `node.admin_operators`.
    public var operators: [UserAccount]

    public init(daemon: UserAccount, operators: [UserAccount] = []) {
        self.daemon = daemon
        self.operators = operators
    }

    /// The access of this process's effective user, with `operators`.
    public static func forThisProcess(operators: [UserAccount] = []) -> AdminAccess {
        let uid = geteuid()
        let daemon = UserAccount.withUID(uid) ?? UserAccount(name: "uid \(uid)", uid: uid)
        return AdminAccess(daemon: daemon, operators: operators)
    }

    /// Whether the peer with `uid` may run `command`; `name` (its user name, if any) is looked up only for a
    /// refusal.
    public func decide(_ command: String, uid: UInt32, name: @autoclosure () -> String?) -> Decision {
        if Self.readOnlyCommands.contains(command) || uid == 0 || uid == daemon.uid
            || operators.contains(where: { $0.uid == uid })
        {
            return .allowed
        }
        let peer = UserAccount.describe(uid: uid, name: name())
        return .refused("\(Self.label(command)) needs \(who); \(peer) may only read: add it to node.admin_operators")
    }

    /// Who may change the node, in words: `root or the daemon's user (tandem)`.
    private var who: String {
        var parts = ["root"]
        if daemon.uid != 0 { parts.append("the daemon's user (\(daemon.name))") }
        if !operators.isEmpty {
            parts.append("node.admin_operators (\(operators.map(\.name).joined(separator: ", ")))")
        }
        return parts.count == 1 ? "root" : parts.dropLast().joined(separator: ", ") + " or \(parts[parts.count - 1])"
    }

    /// The command as the operator typed it: `handover` is what `tandem drill` and `tandem failover` send.
    private static func label(_ command: String) -> String {
        command == "handover" ? "handover (drill, failover)" : command
    }
}
