import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Creates a Unix stream server's socket file with its final mode, for `ServerBootstrap.withBoundSocket(_:)`
/// (or `bind(_:childChannelInitializer:)`), which listens on it.
///
/// `bind(2)` gives the file `0777 & ~umask`, so the umask is set for that one call: a `chmod` after bind
/// would leave an instant in which anyone may connect, and would go through the path a second time. The
/// umask is process-wide: a lock keeps two binds from restoring each other's mask, and a thread creating a
/// file in that instant gets a tighter mode, never a looser one.
public enum UnixSocketFile {
    private static let umaskLock = Mutex(())

    /// A bound (not yet listening) socket at `path` whose file has `mode`.
    ///
    /// - Parameter replacingSocket: remove a socket file already at `path` first (whoever serves it); any other
    ///   kind of file there is an error either way.
    public static func bind(
        path: String,
        mode: mode_t = 0o660,
        replacingSocket: Bool = false
    ) throws
        -> NIOBSDSocket.Handle
    {
        let address = try SocketAddress(unixDomainSocketPath: path)
        if replacingSocket {
            var info = stat()
            if lstat(path, &info) == 0 {
                guard info.st_mode & S_IFMT == S_IFSOCK else {
                    throw IOError(errnoCode: EEXIST, reason: "\(path) exists and is not a socket")
                }
                unlink(path)
            }
        }
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw IOError(errnoCode: errno, reason: "socket(AF_UNIX)") }
        let status = umaskLock.withLock { _ in
            let previous = umask(~mode & 0o777)
            defer { umask(previous) }
            return address.withSockAddr { Glibc.bind(descriptor, $0, socklen_t($1)) == 0 ? 0 : errno }
        }
        guard status == 0 else {
            close(descriptor)
            throw IOError(errnoCode: status, reason: "bind \(path)")
        }
        return descriptor
    }
}
