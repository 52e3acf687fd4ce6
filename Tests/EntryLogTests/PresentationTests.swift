import EntryLog
import EntryLogCLI
import Foundation
import GateCore
import LinuxSystem
import Testing

@Suite("gatectl time expressions and output")
struct PresentationTests {
    static let shanghai = TimeZone(identifier: "Asia/Shanghai")!
    static let newYork = TimeZone(identifier: "America/New_York")!
    /// 2026-11-29 10:30:00 in Shanghai (02:30 UTC).
    static let now = Date(timeIntervalSince1970: baseTime + 2.5 * 3600)

    static func utc(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: text)!
    }

    static let shanghaiCases: [(text: String, bound: TimeExpression.Bound, expected: String)] = [
        ("today", .lower, "2026-11-28T16:00:00Z"),
        ("today", .upper, "2026-11-29T16:00:00Z"),
        ("yesterday", .lower, "2026-11-27T16:00:00Z"),
        ("yesterday", .upper, "2026-11-28T16:00:00Z"),
        ("2026-11-29", .lower, "2026-11-28T16:00:00Z"),
        ("2026-11-29", .upper, "2026-11-29T16:00:00Z"),
        ("2026-11-29 08:00", .lower, "2026-11-29T00:00:00Z"),
        ("2026-11-29 08:00", .upper, "2026-11-29T00:00:00Z"),
        ("2026-11-29T08:00:15", .lower, "2026-11-29T00:00:15Z"),
        ("2h", .lower, "2026-11-29T00:30:00Z"),
        ("30m", .lower, "2026-11-29T02:00:00Z"),
        ("7d", .lower, "2026-11-22T02:30:00Z"),
        ("1h30m", .lower, "2026-11-29T01:00:00Z"),
        ("now", .upper, "2026-11-29T02:30:00Z"),
    ]

    @Test(arguments: shanghaiCases)
    func parsesInTheGatesZone(_ testCase: (text: String, bound: TimeExpression.Bound, expected: String)) throws {
        let parsed = try TimeExpression.parse(testCase.text, bound: testCase.bound, now: Self.now, timeZone: Self.shanghai)
        #expect(parsed == Self.utc(testCase.expected), "\(testCase.text)")
    }

    /// New York: 2026-03-08 has 23 hours (DST starts), 2026-11-01 has 25 (DST ends).
    @Test func daysAcrossDaylightSavingChangesHaveTheirRealLength() throws {
        let zone = Self.newYork
        func length(_ day: String) throws -> TimeInterval {
            try TimeExpression.parse(day, bound: .upper, now: Self.now, timeZone: zone).timeIntervalSince(
                TimeExpression.parse(day, bound: .lower, now: Self.now, timeZone: zone))
        }
        #expect(try length("2026-03-08") == 23 * 3600)
        #expect(try length("2026-11-01") == 25 * 3600)
        #expect(try length("2026-11-02") == 24 * 3600)
        #expect(try TimeExpression.parse("2026-07-01 09:00", bound: .lower, now: Self.now, timeZone: zone) == Self.utc("2026-07-01T13:00:00Z"))
        #expect(try TimeExpression.parse("2026-12-01 09:00", bound: .lower, now: Self.now, timeZone: zone) == Self.utc("2026-12-01T14:00:00Z"))
    }

    @Test(arguments: ["tomorrow", "2026-02-30", "2026-13-01", "2026-11-29 25:00", "2026-11-29 08:60", "5x", "h", "",
                      "2026-11", "99999999999d", "-2h"])
    func rejectsWhatItCannotRead(_ text: String) {
        #expect(throws: TimeExpression.ParseError.self) {
            try TimeExpression.parse(text, bound: .lower, now: Self.now, timeZone: Self.shanghai)
        }
    }

    @Test func formatsLocalTimesWithTheStoredOffset() {
        #expect(LocalTime.format(baseTime, offsetSeconds: 8 * 3600) == "2026-11-29 08:00:00")
        #expect(LocalTime.format(baseTime - 1, offsetSeconds: 0) == "2026-11-28 23:59:59")
        #expect(LocalTime.format(951_782_400, offsetSeconds: 0) == "2000-02-29 00:00:00")
        #expect(LocalTime.iso8601(baseTime, offsetSeconds: -5 * 3600) == "2026-11-28T19:00:00-05:00")
        #expect(LocalTime.iso8601(baseTime, offsetSeconds: 5 * 3600 + 1800) == "2026-11-29T05:30:00+05:30")
        #expect(LocalTime.bucketLabel(Int64(baseTime) + 3600, hourly: true) == "2026-11-29 01:00")
        #expect(LocalTime.bucketLabel(Int64(baseTime), hourly: false) == "2026-11-29")
    }

    @Test(arguments: [
        (["LANG": "zh_CN.UTF-8"], Language.chinese),
        (["LANG": "zh_TW.UTF-8"], .chinese),
        (["LANG": "en_US.UTF-8"], .english),
        (["LANG": "zh_CN.UTF-8", "LC_ALL": "C"], .english),
        (["LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_GB.UTF-8"], .chinese),
        ([:], .english),
    ])
    func languageFollowsTheLocale(_ environment: [String: String], _ expected: Language) {
        #expect(Language.fromEnvironment(environment) == expected)
    }

    @Test func everyLabelHasBothLanguages() {
        for label in Label.allCases {
            #expect(!label.text(.english).isEmpty && !label.text(.chinese).isEmpty)
            #expect(label.text(.english) != label.text(.chinese) || label == .temperature, "\(label)")
        }
    }

    @Test func outputModeFollowsTheTerminal() {
        #expect(OutputMode.detect(json: false, isTerminal: true, environment: [:]) == .table(colour: true))
        #expect(OutputMode.detect(json: false, isTerminal: true, environment: ["NO_COLOR": "1"]) == .table(colour: false))
        #expect(OutputMode.detect(json: false, isTerminal: false, environment: [:]) == .tsv)
        #expect(OutputMode.detect(json: true, isTerminal: true, environment: [:]) == .json)
    }

    @Test func tablesAlignWideCharactersAndColourOnlyTheDecision() {
        var table = Table(header: ["名", "decision", "x"])
        table.append(["张*", "refused", "a\tb"], decision: .refused)
        table.append(["ab", "admitted", "c"], decision: .admitted)
        #expect(table.tsv() == "名\tdecision\tx\n张*\trefused\ta b\nab\tadmitted\tc\n")
        #expect(table.aligned(colour: false) == "名   decision  x\n张*  refused   a b\nab   admitted  c\n")
        let coloured = table.aligned(colour: true, decisionColumn: 1, includeHeader: false)
        #expect(coloured.contains("\u{1B}[31;1mrefused\u{1B}[0m") && coloured.contains("\u{1B}[32madmitted\u{1B}[0m"))
        #expect(!table.aligned(colour: false, decisionColumn: 1).contains("\u{1B}"))
    }

    @Test func csvQuotesAndDefusesFormulas() {
        var record = attempt(baseTime, .refused, reasons: [.fever, .natMissing])
        record.detail = "=HYPERLINK(\"x\"), said \"hi\""
        record.issuer = "a,b"
        let row = ExportRow(LoggedEntry(seq: 7, gateID: "g", utcOffsetSeconds: 28800, record: record))
        let line = row.csvLine
        #expect(line.hasPrefix("7,g,\(baseTime),2026-11-29T08:00:00+08:00,28800,attempt,refused,fever;nat_missing,"))
        #expect(line.contains(",\"a,b\","))
        #expect(line.hasSuffix(",\"'=HYPERLINK(\"\"x\"\"), said \"\"hi\"\"\""))
        // Two commas sit inside quoted fields; every other comma separates the 24 columns of the header.
        #expect(ExportRow.csvHeader.split(separator: ",").count == line.filter { $0 == "," }.count + 1 - 2)
    }

    @Test func jsonExportIsTheRecordsOwnEncodingBesideWhereAndWhen() throws {
        var record = attempt(baseTime, .refused, reasons: [.fever], occupancy: 3)
        record.event = "e"
        record.remeasuredTemperature = 38.4
        record.detail = "d"
        let row = ExportRow(LoggedEntry(seq: 7, gateID: "g", utcOffsetSeconds: 28800, record: record))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let object = try #require(try JSONSerialization.jsonObject(with: encoder.encode(row)) as? [String: Any])
        // Every column of the CSV once, under the names inspectors' tools already read.
        #expect(object.keys.sorted() == [
            "clockSynchronised", "codeFingerprint", "colour", "decision", "detail", "event", "format", "gateID", "issuer",
            "kind", "localTime", "maskedIDNumber", "maskedName", "nucleicAcidAgeHours", "occupancyAfter", "reasons",
            "remeasuredTemperature", "rules", "seq", "subjectID", "temperature", "timeUTC", "utcOffsetSeconds", "vaccinationDoses",
        ])
        #expect(object.count == ExportRow.csvHeader.split(separator: ",").count)
        #expect(object["seq"] as? Int == 7)
        #expect(object["timeUTC"] as? Double == baseTime)
        #expect(object["localTime"] as? String == "2026-11-29T08:00:00+08:00")
        #expect(object["reasons"] as? [String] == ["fever"])
        #expect(object["decision"] as? String == "refused")
        #expect(object["maskedIDNumber"] as? String == "440***********123X")
        #expect(object["remeasuredTemperature"] as? Double == 38.4)
    }

    @Test func chainProblemsReadInChinese() {
        #expect(ChainText.describe(.changed(seq: 4), .chinese) == "第 4 条记录被修改")
        #expect(ChainText.describe(.removed(afterSeq: 2, beforeSeq: 7), .english) == "rows between row 2 and row 7 were removed")
    }
}
