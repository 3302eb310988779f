/// Why two of the service's own ticks were further apart than the dead window, from the clocks read at each:
/// a freeze of the node (the peer has certainly declared it dead) or a timer that was merely late.
public enum PauseCause: Sendable, Hashable, CustomStringConvertible {
    /// CLOCK_BOOTTIME ran ahead of CLOCK_MONOTONIC: the system was suspended (a VM pause or sleep).
    case suspended(Duration)
    /// Neither the heartbeat thread nor anything it waited on ran: SIGSTOP, or a host that gave it no CPU.
    case stopped
    /// The heartbeat thread was running most of the gap: a late timer on a busy loop, not a pause.
    case busy

    /// Classifies a gap from the differences of the three clocks between two ticks (nanoseconds).
    public static func classify(boottime: UInt64, monotonic: UInt64, threadCPU: UInt64) -> PauseCause {
        let suspended = boottime > monotonic ? boottime - monotonic : 0
        if suspended > boottime / 2 { return .suspended(.nanoseconds(Int64(suspended))) }
        if threadCPU > monotonic / 2 { return .busy }
        return .stopped
    }

    public var description: String {
        switch self {
        case .suspended(let duration): "the system was suspended for \(duration) (VM pause or sleep)"
        case .stopped: "the process was not running (SIGSTOP, or no CPU from the host)"
        case .busy: "the heartbeat thread was busy (a late timer)"
        }
    }
}
