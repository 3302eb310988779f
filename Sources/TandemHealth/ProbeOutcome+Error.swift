import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension ProbeOutcome {
    /// Maps a connect or channel error to a failure with a short reason, so that logs name the cause
    /// ("connection refused") rather than a type dump.
    init(error: any Error) {
        switch error {
        case let error as IOError:
            self = .failure(Self.reason(errno: error.errnoCode) ?? "\(error)")
        case ChannelError.connectTimeout:
            self = .failure("timeout")
        case ChannelError.eof, ChannelError.outputClosed, ChannelError.inputClosed, ChannelError.alreadyClosed,
            ChannelError.ioOnClosedChannel:
            self = .failure("connection closed")
        case is HTTPParserError:
            self = .failure("invalid response")
        case let error as NIOConnectionError:
            let firstError = error.connectionErrors.first?.error ?? error.dnsAAAAError ?? error.dnsAError
            self = firstError.map { ProbeOutcome(error: $0) } ?? .failure("\(error)")
        default:
            self = .failure("\(error)")
        }
    }

    private static func reason(errno: CInt) -> String? {
        switch errno {
        case ECONNREFUSED: "connection refused"
        case ECONNRESET, EPIPE: "connection reset"
        case ETIMEDOUT: "timeout"
        case EHOSTUNREACH, ENETUNREACH: "unreachable"
        default: nil
        }
    }
}
