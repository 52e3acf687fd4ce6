import GateCore

/// The last guard before the database: the record type only has masked fields, but a caller could still put
/// a raw value in one. Anything that looks unmasked is masked here rather than refused, so the attempt is
/// still logged (losing a row is worse) and no raw ID number or full name reaches the file.
public enum Privacy {
    static let redacted = "[redacted]"

    static func sanitised(_ record: EntryRecord) -> EntryRecord {
        var record = record
        record.maskedIDNumber = record.maskedIDNumber.map(maskedIDNumber)
        record.maskedName = record.maskedName.map(maskedName)
        if let subject = record.subjectID, containsIDNumber(subject) { record.subjectID = redacted }
        record.detail = record.detail.map(redactingIDNumbers)
        record.issuer = record.issuer.map(redactingIDNumbers)
        record.event = record.event.map(redactingIDNumbers)
        record.rules = record.rules.map { redactingIDNumbers($0).replacingNewlines() }
        // SQLite stores NaN as NULL: drop non-finite measurements so the stored row hashes as written.
        record.nucleicAcidAgeHours = record.nucleicAcidAgeHours.flatMap(finite)
        record.temperature = record.temperature.flatMap(finite)
        record.remeasuredTemperature = record.remeasuredTemperature.flatMap(finite)
        return record
    }

    private static func finite(_ value: Double) -> Double? { value.isFinite ? value : nil }

    /// A masked ID number shows at most its first and last few characters: one without a mask character,
    /// or with more than 8 visible characters, is masked again keeping the first 3 and last 4 at most.
    static func maskedIDNumber(_ value: String) -> String {
        let characters = Array(value)
        let visible = characters.filter { $0 != "*" }.count
        if characters.contains("*") && visible <= 8 { return value }
        guard characters.count > 2 else { return String(repeating: "*", count: characters.count) }
        let keepHead = min(3, characters.count / 4), keepTail = min(4, characters.count / 4)
        return String(characters.prefix(keepHead)) + String(repeating: "*", count: characters.count - keepHead - keepTail)
            + String(characters.suffix(keepTail))
    }

    /// A masked name keeps at most its first character visible when it has two or more (张*, 张**, J*** D**).
    static func maskedName(_ value: String) -> String {
        let characters = Array(value)
        let letters = characters.filter { $0 != "*" && $0 != " " }.count
        if characters.count < 2 || (characters.contains("*") && letters * 2 <= characters.count) { return value }
        guard let first = characters.first else { return value }
        return String(first) + String(repeating: "*", count: characters.count - 1)
    }

    /// Mainland resident ID numbers are 17 digits and a check character; passport-like numbers are shorter but
    /// still long digit runs. Any run of 15 or more digits (or 17 digits and X) is treated as one.
    static func containsIDNumber(_ text: String) -> Bool {
        longestDigitRun(Array(text)) >= 15
    }

    /// Replaces every run that looks like an ID number with `[redacted]` (free text: override reasons, details).
    public static func redactingIDNumbers(_ text: String) -> String {
        guard containsIDNumber(text) else { return text }
        var out = "", run = ""
        for character in text {
            if character.isASCII && (character.isNumber || ((character == "X" || character == "x") && !run.isEmpty)) {
                run.append(character)
            } else {
                out += run.count >= 15 ? redacted : run
                run = ""
                out.append(character)
            }
        }
        out += run.count >= 15 ? redacted : run
        return out
    }

    private static func longestDigitRun(_ characters: [Character]) -> Int {
        var longest = 0, current = 0
        for character in characters {
            if character.isASCII && character.isNumber { current += 1; longest = max(longest, current) } else { current = 0 }
        }
        return longest
    }
}

private extension String {
    func replacingNewlines() -> String {
        String(map { $0.isNewline ? " " : $0 })
    }
}
