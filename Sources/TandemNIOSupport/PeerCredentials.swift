import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Who is at the other end of a Unix stream socket, as the kernel recorded it when the peer connected
/// (`SO_PEERCRED`). Unlike anything the peer sends, the peer cannot forge it, so the VIP helper and the admin
/// socket decide on it.
public struct PeerCredentials: Sendable, Equatable, CustomStringConvertible {
    /// The peer's process at connect time.
    public var pid: Int32
    /// The peer's effective user id at connect time.
    public var uid: UInt32
    /// The peer's effective group id at connect time.
    public var gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    /// `uid 1001 gid 1001 pid 4242`, for logs.
    public var description: String {
        "uid \(uid) gid \(gid) pid \(pid)"
    }

    /// The credentials of `channel`'s peer; fails for a channel that is not a connected Unix socket.
    ///
    /// Completes at once when called on the channel's event loop (a child channel initializer can chain on it).
    public static func of(_ channel: any Channel) -> EventLoopFuture<PeerCredentials> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(ChannelError.operationUnsupported)
        }
        // Glibc hides `struct ucred` behind _GNU_SOURCE; a tuple has its layout (pid_t, uid_t, gid_t) in order.
        let future: EventLoopFuture<(pid_t, uid_t, gid_t)> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET),
            name: SocketOptionName(SO_PEERCRED)
        )
        return future.map { PeerCredentials(pid: $0.0, uid: $0.1, gid: $0.2) }
    }
}
