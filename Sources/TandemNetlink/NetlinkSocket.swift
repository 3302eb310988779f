import CNetlink

#if canImport(Glibc)
import Glibc
#endif

/// A NETLINK_ROUTE socket that adds, removes and lists interface addresses, one request at a time.
///
/// Calls block for at most `timeout` (the kernel answers in microseconds; the timeout only guards against a
/// lost reply). The socket belongs to the network namespace of the thread that created it. Not thread-safe:
/// the VIP helper uses it from its single event loop.
public final class NetlinkSocket {
    /// What an idempotent add did.
    public enum AddResult: String, Sendable {
        /// The kernel added the address.
        case added
        /// The address was already on the interface (EEXIST): success, nothing changed.
        case alreadyPresent = "already-present"
    }

    /// What an idempotent delete did.
    public enum DeleteResult: String, Sendable {
        /// The kernel removed the address.
        case removed
        /// The address was not on the interface (EADDRNOTAVAIL): success, nothing changed.
        case alreadyGone = "already-gone"
    }

    private let descriptor: CInt
    private var nextSequence: UInt32 = 1
    private let timeout: Duration

    /// Opens the socket. socket() succeeds without CAP_NET_ADMIN; the refusal comes with the first request.
    public init(timeout: Duration = .seconds(1)) throws(NetlinkError) {
        let descriptor = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), NETLINK_ROUTE)
        guard descriptor >= 0 else {
            throw NetlinkError.fromSystemCall("socket(AF_NETLINK)", errno: errno, capability: "CAP_NET_ADMIN")
        }
        self.descriptor = descriptor
        self.timeout = timeout
        let (seconds, attoseconds) = timeout.components
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_nl()
        address.nl_family = sa_family_t(AF_NETLINK)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_nl>.size))
            }
        }
        guard bound == 0 else {
            let error = errno
            close(descriptor)
            throw NetlinkError.fromSystemCall("bind(AF_NETLINK)", errno: error, capability: "CAP_NET_ADMIN")
        }
    }

    deinit {
        close(descriptor)
    }

    /// Adds `vip` to the interface; an address already present counts as success.
    public func add(_ vip: VIP, interfaceIndex: UInt32) throws(NetlinkError) -> AddResult {
        let error = try exchange(.add, vip: vip, interfaceIndex: interfaceIndex)
        switch error {
        case 0: return .added
        case EEXIST: return .alreadyPresent
        default: throw refusal(error, action: "adding \(vip)")
        }
    }

    /// Removes `vip` from the interface; an address already absent counts as success.
    public func delete(_ vip: VIP, interfaceIndex: UInt32) throws(NetlinkError) -> DeleteResult {
        let error = try exchange(.delete, vip: vip, interfaceIndex: interfaceIndex)
        switch error {
        case 0: return .removed
        case EADDRNOTAVAIL: return .alreadyGone
        default: throw refusal(error, action: "removing \(vip)")
        }
    }

    /// Lists the addresses on interface `interfaceIndex` (an RTM_GETADDR dump filtered by index).
    public func addresses(interfaceIndex: UInt32) throws(NetlinkError) -> [VIP] {
        let sequence = takeSequence()
        try send(AddressMessage.dumpRequest(family: nil, sequence: sequence))
        var found: [VIP] = []
        let deadline = ContinuousClock.now + timeout
        // Bounded: a dump ends with NLMSG_DONE; the deadline stops a misbehaving kernel or a flood.
        while ContinuousClock.now < deadline {
            for reply in try receive() {
                switch reply {
                case .address(sequence, let index, let vip) where index == interfaceIndex:
                    found.append(vip)
                case .done(sequence):
                    return found
                case .acknowledgement(sequence, let error) where error != 0:
                    throw refusal(error, action: "listing addresses")
                case .address, .done, .acknowledgement, .other:
                    continue
                }
            }
        }
        throw NetlinkError(code: .timeout, errno: 0, detail: "no end of the RTM_GETADDR dump within \(timeout)")
    }

    /// Sends one add or delete request and returns the errno of its acknowledgement (0 = ACK).
    private func exchange(
        _ operation: AddressMessage.Operation,
        vip: VIP,
        interfaceIndex: UInt32
    )
        throws(NetlinkError) -> Int32
    {
        let sequence = takeSequence()
        try send(AddressMessage.request(operation, vip: vip, interfaceIndex: interfaceIndex, sequence: sequence))
        let deadline = ContinuousClock.now + timeout
        // Replies to older, timed-out requests may still be queued: skip everything but our sequence.
        while ContinuousClock.now < deadline {
            for case .acknowledgement(sequence, let error) in try receive() {
                return error
            }
        }
        throw NetlinkError(code: .timeout, errno: 0, detail: "no netlink acknowledgement within \(timeout)")
    }

    private func takeSequence() -> UInt32 {
        defer { nextSequence &+= 1 }
        return nextSequence
    }

    private func send(_ message: [UInt8]) throws(NetlinkError) {
        var kernel = sockaddr_nl()
        kernel.nl_family = sa_family_t(AF_NETLINK)
        let sent = message.withUnsafeBytes { bytes in
            withUnsafePointer(to: &kernel) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(descriptor, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_nl>.size))
                }
            }
        }
        guard sent == message.count else {
            throw NetlinkError.fromSystemCall("sendto(AF_NETLINK)", errno: errno, capability: "CAP_NET_ADMIN")
        }
    }

    private func receive() throws(NetlinkError) -> [AddressMessage.Reply] {
        var buffer = [UInt8](repeating: 0, count: 32_768)
        let received = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        guard received >= 0 else {
            let error = errno
            if error == EAGAIN || error == EWOULDBLOCK {
                throw NetlinkError(code: .timeout, errno: 0, detail: "no netlink reply within \(timeout)")
            }
            throw NetlinkError.fromSystemCall("recv(AF_NETLINK)", errno: error, capability: "CAP_NET_ADMIN")
        }
        return AddressMessage.decode(Array(buffer.prefix(received)))
    }

    private func refusal(_ error: Int32, action: String) -> NetlinkError {
        if error == EPERM || error == EACCES {
            return NetlinkError(
                code: .missingCapability,
                errno: error,
                detail:
                    "the kernel refused \(action): the VIP helper needs CAP_NET_ADMIN (systemd AmbientCapabilities=)"
            )
        }
        return NetlinkError(code: .kernelRefused, errno: error, detail: "the kernel refused \(action)")
    }
}
