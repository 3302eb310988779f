import ArgumentParser
import TandemConfig

/// Finds the admin socket as docs/operations.md says: `--admin PATH`, else `--config FILE` (its `node.admin`), else
/// the default `/run/tandem/admin.sock`.
enum AdminSocketLocator {
    /// The socket path; a config that does not load is reported and exits 1.
    static func socketPath(admin: String?, config: String?) throws -> String {
        if let admin { return admin }
        guard let config else { return NodeSettings.defaultAdminSocketPath }
        do {
            return try ConfigLoader.load(path: config).node.adminSocketPath
        } catch {
            printError(error.description)
            throw ExitCode.failure
        }
    }
}
