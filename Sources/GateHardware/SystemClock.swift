import CLinux
import GateCore
#if canImport(Glibc)
import Glibc
#endif

/// The kernel's clocks: CLOCK_REALTIME with adjtimex's word on whether it is synchronised (boards without
/// an RTC boot with a wrong time; until NTP syncs, validity windows cannot be trusted), and CLOCK_MONOTONIC
/// for timers that must not jump with the wall clock. The daemon's one clock; tests use `VirtualClock`.
public final class SystemClock: GateClock {
    private let assumeSynchronised: Bool

    public init(assumeSynchronised: Bool) {
        self.assumeSynchronised = assumeSynchronised
    }

    public func read() -> ClockReading {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let now = EpochSeconds(ts.tv_sec) + EpochSeconds(ts.tv_nsec) / 1e9
        return ClockReading(now: now, synchronised: assumeSynchronised || hg_clock_synchronised() == 1, monotonic: monotonic())
    }

    public func monotonic() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    public func sleep(seconds: Double) {
        guard seconds > 0 else { return }
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
