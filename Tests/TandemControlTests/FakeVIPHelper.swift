import NIOCore
import NIOPosix
import Synchronization

@testable import TandemControl

/// A stand-in for `tandem vip-helper` on a Unix socket: answers every request line `ok` with one timed step,
/// records `op vip@interface` per request, and can drop every connection (as a helper that dies would).
final class FakeVIPHelper: Sendable {
    let path: String
    private let listener: any Channel
    private let state: State

    final class State: Sendable {
        let requests = Mutex<[String]>([])
        let connections = Mutex<[any Channel]>([])
        let connectionCount = Mutex(0)
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let state: State

        init(state: State) {
            self.state = state
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let line = String(buffer: unwrapInboundIn(data)).replacingOccurrences(of: "\\/", with: "/")
            let op = Self.field("op", in: line) ?? "?"
            let vip = Self.field("vip", in: line) ?? ""
            let interface = Self.field("interface", in: line) ?? ""
            state.requests.withLock { $0.append(op == "list" ? op : "\(op) \(vip)@\(interface)") }
            let reply = #"{"ok":true,"steps":[{"step":"netlink-add","ms":0.402,"result":"added"}]}"# + "\n"
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: reply)), promise: nil)
        }

        /// The string value of `"name":"..."` in a flat JSON line.
        static func field(_ name: String, in line: String) -> String? {
            guard let start = line.range(of: "\"\(name)\":\"") else { return nil }
            let rest = line[start.upperBound...]
            return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
        }
    }

    private init(path: String, listener: any Channel, state: State) {
        self.path = path
        self.listener = listener
        self.state = state
    }

    static func start(path: String) async throws -> FakeVIPHelper {
        let state = State()
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    state.connections.withLock { $0.append(channel) }
                    state.connectionCount.withLock { $0 += 1 }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(AdminLineDecoder()))
                    try channel.pipeline.syncOperations.addHandler(Handler(state: state))
                }
            }
            .bind(unixDomainSocketPath: path)
            .get()
        return FakeVIPHelper(path: path, listener: listener, state: state)
    }

    var requests: [String] { state.requests.withLock { $0 } }
    var connectionCount: Int { state.connectionCount.withLock { $0 } }

    /// Closes every client connection, as a helper that died would.
    func dropConnections() async {
        let channels = state.connections.withLock { channels in
            defer { channels = [] }
            return channels
        }
        for channel in channels { try? await channel.close() }
    }

    /// Closes the listener first, so that a client reconnecting the moment its connection drops cannot get in
    /// between, then drops every connection.
    func stop() async {
        try? await listener.close()
        await dropConnections()
    }
}
