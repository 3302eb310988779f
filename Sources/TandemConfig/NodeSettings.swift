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
    /// Where the HA state file lives (`ha-NODE.state`: the boot epoch and the peers' epochs).
    public var stateDirectory: String

    public init(
        name: String,
        adminSocketPath: String = NodeSettings.defaultAdminSocketPath,
        threads: Int = NodeSettings.defaultThreads,
        drainTimeout: Duration = .seconds(30),
        stateDirectory: String = NodeSettings.defaultStateDirectory
    ) {
        self.name = name
        self.adminSocketPath = adminSocketPath
        self.threads = threads
        self.drainTimeout = drainTimeout
        self.stateDirectory = stateDirectory
    }

    /// systemd's `StateDirectory=tandem`.
    public static let defaultStateDirectory = "/var/lib/tandem"

    public static let defaultAdminSocketPath = "/run/tandem/admin.sock"

    /// The number of online cores (at least 1), clamped to the 256 threads the config allows.
    public static var defaultThreads: Int {
        min(max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1), 256)
    }
}
