import GateCore
import Glibc

/// The gate's local time, for the daemon and gatectl alike. Zone arithmetic goes through the C library
/// (the zone comes from `TZ`, which the daemon sets from `gate.time_zone` at start), so the daemon needs
/// no ICU; formatting takes a fixed offset (the one the gate stored with a row).
public enum LocalTime {
    public static func useZone(_ identifier: String?) {
        guard let identifier else { return }
        setenv("TZ", identifier, 1)
        tzset()
    }

    /// The gate's UTC offset at `time`, in seconds (changes with daylight saving where a zone has it).
    public static func utcOffset(at time: EpochSeconds) -> Int {
        var seconds = time_t(time)
        var parts = tm()
        localtime_r(&seconds, &parts)
        return Int(parts.tm_gmtoff)
    }

    /// The next local `hour:minute` strictly after `time`.
    public static func next(hour: Int, minute: Int, after time: EpochSeconds) -> EpochSeconds {
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
    public static func previous(hour: Int, minute: Int, atOrBefore time: EpochSeconds) -> EpochSeconds {
        let next = next(hour: hour, minute: minute, after: time)
        var seconds = time_t(next)
        var parts = tm()
        localtime_r(&seconds, &parts)
        parts.tm_mday -= 1
        parts.tm_isdst = -1
        return EpochSeconds(mktime(&parts))
    }

    /// `2026-11-29 08:00:15`
    public static func format(_ epoch: Double, offsetSeconds: Int, seconds: Bool = true) -> String {
        let local = Int64(epoch.rounded(.down)) + Int64(offsetSeconds)
        let days = floorDiv(local, 86400), secondsOfDay = local - days * 86400
        let (year, month, day) = CivilDate.civil(fromDays: Int(days))
        let hour = secondsOfDay / 3600, minute = secondsOfDay % 3600 / 60, second = secondsOfDay % 60
        let date = "\(year)-\(pad(Int64(month)))-\(pad(Int64(day))) \(pad(hour)):\(pad(minute))"
        return seconds ? date + ":\(pad(second))" : date
    }

    /// `2026-11-29T08:00:15+08:00` for exports.
    public static func iso8601(_ epoch: Double, offsetSeconds: Int) -> String {
        let sign = offsetSeconds < 0 ? "-" : "+"
        let magnitude = abs(offsetSeconds)
        let local = format(epoch, offsetSeconds: offsetSeconds).split(separator: " ").joined(separator: "T")
        return local + "\(sign)\(pad(Int64(magnitude / 3600))):\(pad(Int64(magnitude % 3600 / 60)))"
    }

    /// `2026-11-29` or `2026-11-29 08:00` for a stats bucket (its start in local seconds).
    public static func bucketLabel(_ localStart: Int64, hourly: Bool) -> String {
        let text = format(Double(localStart), offsetSeconds: 0, seconds: false)
        return hourly ? text : String(text.prefix(10))
    }

    private static func pad(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }
}
