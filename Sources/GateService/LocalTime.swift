#if canImport(Glibc)
import Glibc
#endif
import GateCore

/// Local-time arithmetic through the C library (the zone comes from `TZ`, which the daemon sets
/// from `gate.time_zone` at start), so the daemon needs no ICU.
enum LocalTime {
    static func useZone(_ identifier: String?) {
        guard let identifier else { return }
        setenv("TZ", identifier, 1)
        tzset()
    }

    /// The gate's UTC offset at `time`, in seconds (changes with daylight saving where a zone has it).
    static func utcOffset(at time: EpochSeconds) -> Int {
        var seconds = time_t(time)
        var parts = tm()
        localtime_r(&seconds, &parts)
        return Int(parts.tm_gmtoff)
    }

    /// The next local `hour:minute` strictly after `time`.
    static func next(hour: Int, minute: Int, after time: EpochSeconds) -> EpochSeconds {
        var seconds = time_t(time)
        var parts = tm()
        localtime_r(&seconds, &parts)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = 0
        parts.tm_isdst = -1
        var candidate = EpochSeconds(mktime(&parts))
        if candidate <= time {
            parts.tm_mday += 1
            parts.tm_isdst = -1
            candidate = EpochSeconds(mktime(&parts))
        }
        return candidate
    }

    /// The most recent local `hour:minute` at or before `time`.
    static func previous(hour: Int, minute: Int, atOrBefore time: EpochSeconds) -> EpochSeconds {
        let next = next(hour: hour, minute: minute, after: time)
        var seconds = time_t(next)
        var parts = tm()
        localtime_r(&seconds, &parts)
        parts.tm_mday -= 1
        parts.tm_isdst = -1
        return EpochSeconds(mktime(&parts))
    }
}
