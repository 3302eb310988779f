import CNetlink
import Foundation
import NIOCore

/// Captures ARP frames on an interface from inside a namespace: an AF_PACKET socket opened on a thread that
/// has entered the namespace, bound to the interface, read with a receive timeout.
final class ARPCapture: Sendable {
    /// One captured frame and when the kernel received it.
    struct Frame: Sendable {
        let bytes: [UInt8]
        /// The kernel's receive timestamp (SIOCGSTAMPNS), immune to a busy capture thread.
        let arrival: Duration
    }

    private let descriptor: CInt
    private let loop: EventLoop

    /// Opens the capture socket on `loop` (whose thread is in the interface's namespace).
    init(interface: String, loop: EventLoop) async throws {
        self.loop = loop
        descriptor = try await loop.submit {
            let protocolNumber = UInt16(ETH_P_ARP).bigEndian
            let descriptor = socket(
                AF_PACKET,
                Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
                CInt(protocolNumber)
            )
            guard descriptor >= 0 else {
                throw LabError(message: "socket(AF_PACKET): errno \(errno)")
            }
            var address = sockaddr_ll()
            address.sll_family = UInt16(AF_PACKET)
            address.sll_protocol = protocolNumber
            address.sll_ifindex = CNetlink_get_ifindex(descriptor, interface)
            var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_ll>.size))
                }
            }
            guard bound == 0 else {
                close(descriptor)
                throw LabError(message: "bind(AF_PACKET) \(interface): errno \(errno)")
            }
            _ = CNetlink_last_receive_time_ns(descriptor)  // switches kernel receive stamping on
            return descriptor
        }.get()
    }

    /// Reads frames for which `matches` holds until `count` of them arrived or `timeout` passed (bounded both
    /// ways), on the capture's own thread.
    func frames(
        count: Int,
        within timeout: Duration,
        matching matches: @escaping @Sendable ([UInt8]) -> Bool
    )
        async throws -> [Frame]
    {
        try await loop.submit { [descriptor] in
            var frames: [Frame] = []
            let deadline = ContinuousClock.now + timeout
            var buffer = [UInt8](repeating: 0, count: 2048)
            while frames.count < count, ContinuousClock.now < deadline {
                let received = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                if received > 0 {
                    let bytes = Array(buffer.prefix(received))
                    if matches(bytes) {
                        let stamp = CNetlink_last_receive_time_ns(descriptor)
                        frames.append(Frame(bytes: bytes, arrival: .nanoseconds(stamp)))
                    }
                }
            }
            return frames
        }.get()
    }

    deinit {
        Glibc.close(descriptor)
    }
}
