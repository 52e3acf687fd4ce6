import GateCore
import LinuxSystem
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
        KernelClock.read(assumeSynchronised: assumeSynchronised)
    }

    public func monotonic() -> Double { KernelClock.monotonic() }

    public func sleep(seconds: Double) {
        guard seconds > 0 else { return }
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
