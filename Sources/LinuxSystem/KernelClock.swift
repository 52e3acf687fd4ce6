import CLinux
import GateCore
import Glibc

/// The wall clock with the kernel's word on whether it is synchronised (adjtimex): the one read the
/// daemon's clock and `gatectl code verify` share. Boards without an RTC boot with a wrong time; until
/// NTP syncs, validity windows cannot be trusted.
public enum KernelClock {
    /// The kernel's clock state: synchronised, not synchronised, or unknown (adjtimex failed, e.g. a
    /// sandbox with ProtectClock=), with the errno.
    public enum State: Equatable, Sendable {
        case synchronised
        case unsynchronised
        case unknown(errno: Int32)
    }

    public static var state: State {
        let result = hg_clock_synchronised()
        if result < 0 { return .unknown(errno: -result) }
        return result == 1 ? .synchronised : .unsynchronised
    }

    /// Now, on CLOCK_REALTIME, with CLOCK_MONOTONIC beside it; `assumeSynchronised` stands for a trusted RTC or
    /// GPS (config).
    public static func read(assumeSynchronised: Bool = false) -> ClockReading {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let now = EpochSeconds(ts.tv_sec) + EpochSeconds(ts.tv_nsec) / 1e9
        return ClockReading(now: now, synchronised: assumeSynchronised || state == .synchronised, monotonic: monotonic())
    }

    /// Seconds on CLOCK_MONOTONIC, which NTP never steps.
    public static func monotonic() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
