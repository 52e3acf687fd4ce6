import CLinux
import GateCore
#if canImport(Glibc)
import Glibc
#endif

/// The wall clock, with the kernel's word on whether it is synchronised (adjtimex). Boards without
/// an RTC boot with a wrong time; until NTP syncs, validity windows cannot be trusted.
public final class SystemClock: GateClock {
    private let assumeSynchronised: Bool

    public init(assumeSynchronised: Bool) {
        self.assumeSynchronised = assumeSynchronised
    }

    public func read() -> ClockReading {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let now = EpochSeconds(ts.tv_sec) + EpochSeconds(ts.tv_nsec) / 1e9
        return ClockReading(now: now, synchronised: assumeSynchronised || hg_clock_synchronised() == 1)
    }

    /// Seconds on the monotonic clock, for timers that must not jump with the wall clock.
    public static func monotonic() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
