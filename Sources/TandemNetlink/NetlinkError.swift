#if canImport(Glibc)
import Glibc
#endif

/// Why a netlink, ARP or neighbour-advertisement operation failed. Equal by code and errno.
public struct NetlinkError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: Equatable, Sendable {
        /// The kernel answered EPERM/EACCES, or socket creation was refused: the process lacks a capability.
        case missingCapability
        /// The kernel refused the request with another errno.
        case kernelRefused
        /// No acknowledgement arrived within the timeout.
        case timeout
        /// A socket system call failed.
        case systemCall
        /// The interface does not exist (in this network namespace).
        case interfaceNotFound
    }

    /// The kind of failure.
    public let code: Code
    /// The errno involved (0 when none).
    public let errno: Int32
    /// A human-readable explanation naming the operation.
    public let detail: String

    /// Creates an error.
    public init(code: Code, errno: Int32, detail: String) {
        self.code = code
        self.errno = errno
        self.detail = detail
    }

    /// The explanation with the errno's text.
    public var description: String {
        guard errno != 0 else {
            return detail
        }
        return "\(detail): \(String(cString: strerror(errno))) (errno \(errno))"
    }

    /// Equal by code and errno, whatever the wording.
    public static func == (lhs: NetlinkError, rhs: NetlinkError) -> Bool {
        lhs.code == rhs.code && lhs.errno == rhs.errno
    }

    /// The error for a failed system call: EPERM/EACCES become `.missingCapability` with the capability named.
    static func fromSystemCall(_ call: String, errno: Int32, capability: String) -> NetlinkError {
        if errno == EPERM || errno == EACCES {
            return NetlinkError(
                code: .missingCapability,
                errno: errno,
                detail: "\(call) refused: the VIP helper needs \(capability) (systemd AmbientCapabilities=)"
            )
        }
        return NetlinkError(code: .systemCall, errno: errno, detail: "\(call) failed")
    }
}
