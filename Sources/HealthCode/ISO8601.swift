import GateCore

/// Parses the ISO 8601 forms health codes and operators use, without Foundation:
/// `YYYY-MM-DD` (midnight UTC) and `YYYY-MM-DDThh:mm[:ss[.fff]](Z|±hh[:]mm)`.
public enum ISO8601 {
    /// What a tool says about text `parse` refused, with the forms it takes.
    public static func notATime(_ text: String) -> String {
        "'\(text)' is not an ISO 8601 time (e.g. 2026-11-29T08:00:00Z or 2026-11-29)"
    }

    public static func parse(_ text: String) -> Double? {
        let chars = Array(text.utf8)
        var index = 0
        func number(_ digits: Int) -> Int? {
            guard index + digits <= chars.count else { return nil }
            var value = 0
            for _ in 0..<digits {
                let c = chars[index]
                guard c >= 0x30, c <= 0x39 else { return nil }
                value = value * 10 + Int(c - 0x30)
                index += 1
            }
            return value
        }
        func expect(_ char: Character) -> Bool {
            guard index < chars.count, chars[index] == char.asciiValue else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
              (1...12).contains(month), (1...CivilDate.daysIn(month: month, year: year)).contains(day) else { return nil }
        var seconds = Double(CivilDate.days(year: year, month: month, day: day) * 86_400)
        if index == chars.count { return seconds }
        guard expect("T") || expect(" "), let hour = number(2), hour < 24, expect(":"), let minute = number(2), minute < 60 else { return nil }
        seconds += Double(hour * 3600 + minute * 60)
        if expect(":") {
            guard let second = number(2), second < 61 else { return nil }
            seconds += Double(second)
            if expect(".") {
                var scale = 0.1
                var sawDigit = false
                while index < chars.count, chars[index] >= 0x30, chars[index] <= 0x39 {
                    seconds += Double(chars[index] - 0x30) * scale
                    scale /= 10
                    index += 1
                    sawDigit = true
                }
                guard sawDigit else { return nil }
            }
        }
        if expect("Z") { return index == chars.count ? seconds : nil }
        let sign: Double
        if expect("+") { sign = 1 } else if expect("-") { sign = -1 } else { return nil }
        guard let offsetHours = number(2), offsetHours < 24 else { return nil }
        _ = expect(":")
        guard let offsetMinutes = number(2), offsetMinutes < 60, index == chars.count else { return nil }
        return seconds - sign * Double(offsetHours * 3600 + offsetMinutes * 60)
    }

    /// `YYYY-MM-DDThh:mm:ssZ` for an epoch time (whole seconds).
    public static func format(_ epochSeconds: Double) -> String {
        let total = Int(epochSeconds.rounded(.down))
        let days = total >= 0 ? total / 86_400 : (total - 86_399) / 86_400
        let secondOfDay = total - days * 86_400
        let (year, month, day) = CivilDate.civil(fromDays: days)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))Z"
    }
}
