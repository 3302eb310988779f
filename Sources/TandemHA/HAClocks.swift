import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The clocks the HA service reads, in nanoseconds. Decisions use only the monotonic ones; the wall clock
/// is read for showing the skew between the nodes and for the epoch floor, never to accept or refuse.
public enum HAClocks {
    /// CLOCK_BOOTTIME: monotonic and counting system suspend; what heartbeats carry and freshness uses.
    public static func boottime() -> UInt64 { read(CLOCK_BOOTTIME) }

    /// CLOCK_MONOTONIC: monotonic, stops while the system is suspended (so its gap to ``boottime()`` measures
    /// a suspend or VM pause).
    public static func monotonic() -> UInt64 { read(CLOCK_MONOTONIC) }

    /// CPU time of the calling thread: a late tick with CPU spent in between was a busy loop, not a pause.
    public static func threadCPU() -> UInt64 { read(CLOCK_THREAD_CPUTIME_ID) }

    /// CLOCK_REALTIME plus ``wallClockOffset``.
    public static func wall() -> UInt64 {
        let offset = wallClockOffset.load(ordering: .relaxed)
        return UInt64(truncatingIfNeeded: Int64(truncatingIfNeeded: read(CLOCK_REALTIME)) &+ offset)
    }

    /// Nanoseconds added to the wall clock as Tandem reads it: `tandem debug clock-step` and
    /// `TANDEM_DEBUG_WALL_CLOCK_OFFSET` set it to rehearse a clock step without stepping the host's clock
    /// (a time namespace cannot offset CLOCK_REALTIME, and stepping it would disturb everything else).
    public static let wallClockOffset = Atomic<Int64>(0)

    private static func read(_ clock: clockid_t) -> UInt64 {
        var time = timespec()
        clock_gettime(clock, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
