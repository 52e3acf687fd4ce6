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

    /// A masked name shows at most the first character of each word (张*, 张**, J*** D**): `王小明***` or
    /// `Zhang Weiming****` carry the whole name beside the stars and are masked again.
    static func maskedName(_ value: String) -> String {
        let characters = Array(value)
        guard characters.count >= 2, let first = characters.first else { return value }
        let words = value.split(separator: " ", omittingEmptySubsequences: true)
        let masked = characters.contains("*") && words.allSatisfy { $0.dropFirst().allSatisfy { $0 == "*" } }
        if masked { return value }
        return String(first) + String(repeating: "*", count: characters.count - 1)
    }

    /// Mainland resident ID numbers are 17 digits and a check character; passport-like numbers are shorter but
    /// still long digit runs. A run of 15 or more digits counts as one, also when written in groups
    /// (`110105-19900101-1234`, spaces, dots) or with full-width digits (１１０１…).
    static func containsIDNumber(_ text: String) -> Bool {
        idNumberRuns(Array(text)).isEmpty == false
    }

    /// Replaces every run that looks like an ID number with `[redacted]`. For free text only (override reasons,
    /// details, rules): identifiers such as a hex subject pseudonym are never passed through it, since a random
    /// one holds a long digit run now and then and redacting it would merge people.
    public static func redactingIDNumbers(_ text: String) -> String {
        let characters = Array(text)
        let runs = idNumberRuns(characters)
        guard !runs.isEmpty else { return text }
        var out = "", index = 0
        for run in runs {
            out += String(characters[index..<run.lowerBound]) + redacted
            index = run.upperBound
        }
        return out + String(characters[index...])
    }

    /// Digit runs of 15 digits or more, each ending with its check character X when there is one. A single
    /// separator between two digits (`-`, space, `.`, `/`, their full-width forms) continues a run.
    static func idNumberRuns(_ characters: [Character]) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var start: Int?, digits = 0, end = 0
        var index = 0
        func close() {
            if let first = start, digits >= 15 { runs.append(first..<end) }
            start = nil
            digits = 0
        }
        while index < characters.count {
            let character = characters[index]
            if isDigit(character) {
                if start == nil { start = index }
                digits += 1
                end = index + 1
            } else if start != nil, character == "X" || character == "x" || character == "Ｘ" || character == "ｘ" {
                end = index + 1
                close()
            } else if start != nil, isSeparator(character), index + 1 < characters.count, isDigit(characters[index + 1]) {
                // Part of the number: the next digit continues the run.
            } else {
                close()
            }
            index += 1
        }
        close()
        return runs
    }

    private static func isDigit(_ character: Character) -> Bool {
        // ASCII and full-width digits; other scripts' digits are not written in ID numbers here.
        guard let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1 else { return false }
        return (0x30...0x39).contains(scalar.value) || (0xFF10...0xFF19).contains(scalar.value)
    }

    private static func isSeparator(_ character: Character) -> Bool {
        ["-", " ", ".", "/", "\u{2010}", "\u{2013}", "－", "　", "．", "／"].contains(character)
    }
}

private extension String {
    func replacingNewlines() -> String {
        String(map { $0.isNewline ? " " : $0 })
    }
}
