import NIOCore
import TandemNIOSupport

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Who may use the VIP helper: root and the client users (`--client-user`, the daemon's), whatever else the
/// socket's mode lets connect. A user who could claim a VIP could pull the service's traffic to this host.
public struct VIPHelperAccess: Sendable, Equatable {
    /// The users besides root.
    public var clients: [UserAccount]

    /// Root only, unless `clients` names more.
    public init(clients: [UserAccount] = []) {
        self.clients = clients
    }

    /// Nil when `uid` may use the helper; else what the peer is told. `name` (the peer's user name, if any) is
    /// looked up only for a refusal.
    public func refusal(uid: UInt32, name: @autoclosure () -> String?) -> String? {
        guard uid != 0, !clients.contains(where: { $0.uid == uid }) else { return nil }
        let names = ["root"] + clients.map(\.name)
        let list =
            names.count == 1 ? "root" : names.dropLast().joined(separator: ", ") + " and \(names[names.count - 1])"
        return "\(UserAccount.describe(uid: uid, name: name())) may not use the VIP helper: only \(list)"
    }
}

/// Serves a refused connection: one error line on activation, then the helper's side of the stream ends, so the
/// client reads why instead of a bare end of stream. The client may still be sending its first request: a full
/// close at once would turn that into EPIPE or a reset before it reads the line, so the connection closes when
/// the client closes its side, or after ``lingering``. Whatever the client sends is dropped.
final class VIPHelperRefusalHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// How long a refused client may keep its side open after the answer.
    static let lingering: TimeAmount = .seconds(2)

    private let reason: String
    private var deadline: Scheduled<Void>?

    init(reason: String) {
        self.reason = reason
    }

    func channelActive(context: ChannelHandlerContext) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var bytes = (try? encoder.encode(VIPHelperResponse.failure(reason))) ?? Data(#"{"ok":false}"#.utf8)
        bytes.append(UInt8(ascii: "\n"))
        let channel = context.channel
        context.writeAndFlush(Self.wrapOutboundOut(channel.allocator.buffer(bytes: bytes))).whenComplete { _ in
            channel.close(mode: .output, promise: nil)
        }
        deadline = context.eventLoop.scheduleTask(in: Self.lingering) { channel.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }
}
