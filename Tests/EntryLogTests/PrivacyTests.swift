import GateCore
import Testing
@testable import EntryLog

/// The attacks of issue 12 (items 5-7) on the last guard before the database.
@Suite struct PrivacyTests {
    @Test(arguments: [
        "ID 110105-19900101-1234 lost phone",
        "ID 110105 19900101 123X lost phone",
        "ID 110105.1990.0101.1234 lost phone",
        "ID １１０１０５１９９００１０１１２３４ lost phone",
        "ID １１０１０５－１９９００１０１－１２３Ｘ lost phone",
        "ID 11010519900101123x lost phone",
    ])
    func formattedIDNumbersAreRedacted(reason: String) {
        #expect(Privacy.redactingIDNumbers(reason) == "ID [redacted] lost phone")
    }

    @Test(arguments: [
        "gate 3, 2 people, 10:30",
        "phone 138 0013 8000",          // 11 digits: a phone number, not an ID
        "fire drill 2026-12-01",
    ])
    func shortNumbersStay(text: String) {
        #expect(Privacy.redactingIDNumbers(text) == text)
    }

    /// A random 16-byte pseudonym holds 15 decimal digits in a row now and then: it must reach the log intact.
    @Test func hexPseudonymsAreNeverRedacted() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("entries.sqlite")
        let writer = try EntryLogWriter(path: path, gateID: "gate-1")
        var record = attempt(baseTime)
        record.subjectID = "a5123456789012345678bcdef0123456"
        try writer.append(record, utcOffsetSeconds: 0)
        let stored = try #require(try EntryLogReader(path: path).entries(EntryFilter()).first?.record)
        #expect(stored.subjectID == "a5123456789012345678bcdef0123456")
    }

    @Test(arguments: [
        ("王小明***", "王*****"),
        ("Zhang Weiming*************", "Z*************************"),
        ("王小明", "王**"),
        ("张*", "张*"),
        ("张**", "张**"),
        ("J*** D**", "J*** D**"),
        ("张", "张"),
    ])
    func namesShowOneCharacterPerWord(name: String, stored: String) {
        #expect(Privacy.maskedName(name) == stored)
    }
}
