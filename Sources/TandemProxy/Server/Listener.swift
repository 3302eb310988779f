import NIOCore
import NIOExtras
import Synchronization

/// One bound listening socket, keyed by the address the configuration gives it: a reload keeps a listener whose
/// address is still configured (it never stops accepting) and only points its slot at the new frontend.
struct Listener: Sendable {
    /// The configured address (port 0 stays 0; ``ProxyServer/boundAddresses`` has the port the kernel chose).
    let address: SocketAddress
    let channel: any Channel
    /// Drains the connections this socket accepted (at shutdown, or when a reload removes the address).
    let quiesce: ServerQuiescingHelper
    let slot: FrontendSlot
}

/// The frontend a listener hands each new connection to. A reload replaces it; connections accepted before
/// keep the frontend (and so the backends) they started with. One uncontended lock per accepted connection,
/// nothing per request.
final class FrontendSlot: Sendable {
    private let current: Mutex<FrontendRuntime>

    init(_ frontend: FrontendRuntime) {
        self.current = Mutex(frontend)
    }

    var frontend: FrontendRuntime {
        current.withLock { $0 }
    }

    func replace(with frontend: FrontendRuntime) {
        current.withLock { $0 = frontend }
    }
}
