import NIOCore
import NIOPosix

/// A TCP port on 127.0.0.1 that was free a moment ago: bound on port 0 by a throwaway listener, read,
/// and released. The configuration rejects port 0, so the proxy needs a concrete one.
func freeLoopbackPort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0)
        .get()
    let port = channel.localAddress?.port ?? 0
    try await channel.close()
    return port
}
