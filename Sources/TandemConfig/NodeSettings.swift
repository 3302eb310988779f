#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The `node:` section: who this proxy node is and how its process runs.
public struct NodeSettings: Sendable, Equatable {
    /// 1-63 characters of `[A-Za-z0-9._-]`; shown in status, logs and heartbeats.
    public var name: String
    /// Path of the admin API's Unix socket.
    public var adminSocketPath: String
    /// Event-loop threads; defaults to the number of online cores.
    public var threads: Int
    /// How long a drain waits for open connections before closing them.
    public var drainTimeout: Duration
    /// The stats listener (`node.stats.bind`: Prometheus `/metrics`, the status page `/`, `/status.json`); nil:
    /// off, the default, so nothing listens that the operator did not ask for.
    public var statsBind: SocketAddressSpec?
    /// Where the HA state file lives (`ha-NODE.state`: the boot epoch and the peers' epochs).
    public var stateDirectory: String
    /// Users besides root and the daemon's own who may run the admin commands that change the node
    /// (`handover`, `reload`); whoever else can connect may only read.
    public var adminOperators: [AdminOperator]

    /// A user in `node.admin_operators`, resolved when the config is read: a name that is not on the host is a
    /// config error, not a silent refusal later.
    public struct AdminOperator: Sendable, Equatable {
        public var name: String
        public var uid: UInt32

        public init(name: String, uid: UInt32) {
            self.name = name
            self.uid = uid
        }

        /// The user called `name` on this host, or nil.
        public static func lookUp(_ name: String) -> AdminOperator? {
            var entry = passwd()
            var result: UnsafeMutablePointer<passwd>?
            var buffer = [CChar](repeating: 0, count: 16384)
            let status = getpwnam_r(name, &entry, &buffer, buffer.count, &result)
            guard status == 0, result != nil else { return nil }
            return AdminOperator(name: name, uid: entry.pw_uid)
        }
    }

    public init(
        name: String,
        adminSocketPath: String = NodeSettings.defaultAdminSocketPath,
        threads: Int = NodeSettings.defaultThreads,
        drainTimeout: Duration = .seconds(30),
        stateDirectory: String = NodeSettings.defaultStateDirectory,
        statsBind: SocketAddressSpec? = nil,
        adminOperators: [AdminOperator] = []
    ) {
        self.name = name
        self.adminSocketPath = adminSocketPath
        self.threads = threads
        self.drainTimeout = drainTimeout
        self.stateDirectory = stateDirectory
        self.statsBind = statsBind
        self.adminOperators = adminOperators
    }

    /// systemd's `StateDirectory=tandem`.
    public static let defaultStateDirectory = "/var/lib/tandem"

    public static let defaultAdminSocketPath = "/run/tandem/admin.sock"

    /// The number of online cores (at least 1), clamped to the 256 threads the config allows.
    public static var defaultThreads: Int {
        min(max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1), 256)
    }
}
