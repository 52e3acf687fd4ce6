import Foundation

/// `--since`/`--until`/`--day` values as staff type them, read in the gate's time zone:
/// `now`, `today`, `yesterday`, a duration back from now (`30m`, `2h`, `7d`, `90s`), a date (`2026-11-29`) or a
/// local date-time (`2026-11-29 08:00`, `2026-11-29T08:00:15`).
public enum TimeExpression {
    public enum Bound: Sendable { case lower, upper }

    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public let text: String
        public var description: String {
            "cannot read the time \"\(text)\": use now, today, yesterday, 30m, 2h, 7d, 2026-11-29 or \"2026-11-29 08:00\""
        }
    }

    /// A day (`today`, a date) stands for its start as a lower bound and for the start of the next day as an
    /// (exclusive) upper bound, so `--since 2026-11-29 --until 2026-11-29` is that whole local day.
    public static func parse(_ text: String, bound: Bound, now: Date, timeZone: TimeZone) throws(ParseError) -> Date {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        func day(_ start: Date) throws(ParseError) -> Date {
            guard bound == .upper else { return start }
            guard let next = calendar.date(byAdding: .day, value: 1, to: start) else { throw ParseError(text: text) }
            return next
        }
        switch trimmed {
        case "now": return now
        case "today": return try day(calendar.startOfDay(for: now))
        case "yesterday":
            guard let yesterday = calendar.date(byAdding: .day, value: -1, to: calendar.startOfDay(for: now)) else {
                throw ParseError(text: text)
            }
            return try day(yesterday)
        default: break
        }
        if let seconds = try? duration(trimmed) { return now.addingTimeInterval(-seconds) }
        guard let components = dateComponents(trimmed) else { throw ParseError(text: text) }
        var wanted = DateComponents()
        wanted.year = components.year
        wanted.month = components.month
        wanted.day = components.day
        guard let start = calendar.date(from: wanted),
              calendar.component(.day, from: start) == components.day else { throw ParseError(text: text) }
        guard let time = components.time else { return try day(start) }
        wanted.hour = time.hour
        wanted.minute = time.minute
        wanted.second = time.second
        guard let date = calendar.date(from: wanted) else { throw ParseError(text: text) }
        return date
    }

    /// `90s`, `30m`, `2h`, `7d` (also `1h30m`) in seconds.
    public static func duration(_ text: String) throws(ParseError) -> TimeInterval {
        var total: TimeInterval = 0, digits = "", sawUnit = false
        for character in text.lowercased() {
            if character.isASCII && character.isNumber { digits.append(character); continue }
            let unit: TimeInterval
            switch character {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3600
            case "d": unit = 86400
            default: throw ParseError(text: text)
            }
            guard let value = Int(digits), digits.count <= 9 else { throw ParseError(text: text) }
            total += TimeInterval(value) * unit
            digits = ""
            sawUnit = true
        }
        guard sawUnit, digits.isEmpty else { throw ParseError(text: text) }
        return total
    }

    private struct Parsed {
        var year: Int, month: Int, day: Int
        var time: (hour: Int, minute: Int, second: Int)?
    }

    private static func dateComponents(_ text: String) -> Parsed? {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "t" }).map(String.init)
        guard parts.count == 1 || parts.count == 2 else { return nil }
        let date = parts[0].split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        guard date.count == 3, let year = date[0], let month = date[1], let day = date[2],
              (1970...9999).contains(year), (1...12).contains(month), (1...31).contains(day) else { return nil }
        var parsed = Parsed(year: year, month: month, day: day)
        if parts.count == 2 {
            let time = parts[1].split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
            guard time.count == 2 || time.count == 3, let hour = time[0], let minute = time[1],
                  (0...23).contains(hour), (0...59).contains(minute) else { return nil }
            let second = time.count == 3 ? time[2] : 0
            guard let second, (0...59).contains(second) else { return nil }
            parsed.time = (hour, minute, second)
        }
        return parsed
    }
}
