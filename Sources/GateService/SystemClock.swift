import GateCore
import LinuxSystem
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
        KernelClock.read(assumeSynchronised: assumeSynchronised)
    }

    /// Seconds on the monotonic clock, for timers that must not jump with the wall clock.
    public static func monotonic() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
