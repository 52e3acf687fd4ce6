import Foundation
import GateCore
import Testing
@testable import EntryLog

@Suite("Entry log storage and queries")
struct StoreTests {
    @Test func roundTripKeepsEveryFieldAndSetsGroupReadableMode() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("entries.sqlite")
        let writer = try EntryLogWriter(path: path, gateID: "gate-1")
        let record = EntryRecord(
            time: baseTime + 0.25, kind: .attempt, decision: .refused, reasons: [.fever, .natExpired], format: .hc1,
            issuer: "DE", colour: .yellow, maskedName: "李**", maskedIDNumber: "110***********0012",
            subjectID: "p-123", nucleicAcidAgeHours: 80.5, vaccinationDoses: 2, temperature: 38.1,
            remeasuredTemperature: 37.9, occupancyAfter: 12, clockSynchronised: false, codeFingerprint: "abc",
            rules: ["colour=pass", "fever=fail"], detail: "re-measured")
        let seq = try writer.append(record, utcOffsetSeconds: shanghaiOffset)
        let entries = try EntryLogReader(path: path).entries(EntryFilter())
        #expect(entries == [LoggedEntry(seq: seq, gateID: "gate-1", utcOffsetSeconds: shanghaiOffset, record: record)])
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o640)
    }

    /// Seven rows covering every filter dimension; each case lists the seqs it must select.
    static let filterCases: [(name: String, filter: EntryFilter, expected: [Int64])] = [
        ("all", EntryFilter(), [1, 2, 3, 4, 5, 6, 7]),
        ("limit keeps the newest", EntryFilter(limit: 2), [6, 7]),
        ("since", EntryFilter(since: baseTime + 300), [4, 5, 6, 7]),
        ("until is exclusive", EntryFilter(until: baseTime + 300), [1, 2, 3]),
        ("decision refused", EntryFilter(decisions: [.refused]), [2, 3, 6]),
        ("decision admitted or override", EntryFilter(decisions: [.admitted, .override]), [1, 4, 5]),
        ("reason fever", EntryFilter(reasons: [.fever]), [2, 6]),
        ("any of two reasons", EntryFilter(reasons: [.fever, .redCode]), [2, 3, 6]),
        ("admitted with a prompt", EntryFilter(decisions: [.admitted], reasons: [.vaccinationPrompt]), [4]),
        ("colour red", EntryFilter(colours: [.red]), [3]),
        ("events only", EntryFilter(kind: .event), [7]),
        ("subject", EntryFilter(subjectID: "subj-b"), [2, 5]),
        ("fingerprint", EntryFilter(fingerprint: "fp-x"), [6]),
        ("combined", EntryFilter(since: baseTime + 100, decisions: [.refused], reasons: [.fever], limit: 1), [6]),
        ("nothing", EntryFilter(colours: [.yellow]), []),
    ]

    @Test(arguments: filterCases)
    func filters(_ testCase: (name: String, filter: EntryFilter, expected: [Int64])) throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("entries.sqlite")
        let writer = try EntryLogWriter(path: path, gateID: "gate-1")
        try writer.append(attempt(baseTime), utcOffsetSeconds: shanghaiOffset)
        try writer.append(attempt(baseTime + 100, .refused, reasons: [.fever], subject: "subj-b"), utcOffsetSeconds: shanghaiOffset)
        try writer.append(attempt(baseTime + 200, .refused, reasons: [.redCode], colour: .red), utcOffsetSeconds: shanghaiOffset)
        try writer.append(attempt(baseTime + 300, reasons: [.vaccinationPrompt]), utcOffsetSeconds: shanghaiOffset)
        try writer.append(attempt(baseTime + 400, .override, subject: "subj-b"), utcOffsetSeconds: shanghaiOffset)
        try writer.append(attempt(baseTime + 500, .refused, reasons: [.fever, .natMissing], fingerprint: "fp-x"),
                          utcOffsetSeconds: shanghaiOffset)
        try writer.append(event(baseTime + 600, "fault", detail: "thermometer"), utcOffsetSeconds: shanghaiOffset)
        let selected = try EntryLogReader(path: path).entries(testCase.filter).map(\.seq)
        #expect(selected == testCase.expected, "\(testCase.name)")
    }

    @Test func tailFollowsRowsAfterASeqAndExportStreamsAll() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("entries.sqlite")
        let writer = try EntryLogWriter(path: path, gateID: "gate-1")
        let reader = try EntryLogReader(path: path)
        #expect(try reader.lastSeq() == nil)
        try writer.append(contentsOf: (0..<5).map { attempt(baseTime + Double($0)) }, utcOffsetSeconds: 0)
        #expect(try reader.lastSeq() == 5)
        #expect(try reader.entries(after: 3).map(\.seq) == [4, 5])
        try writer.append(attempt(baseTime + 10), utcOffsetSeconds: 0)
        #expect(try reader.entries(after: 5).map(\.seq) == [6])
        var streamed: [Int64] = []
        try reader.forEachEntry(EntryFilter(since: baseTime + 2, limit: nil)) { streamed.append($0.seq) }
        #expect(streamed == [3, 4, 5, 6])
    }

    @Test func statsBucketByTheGatesLocalHourAndDay() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("entries.sqlite")
        let writer = try EntryLogWriter(path: path, gateID: "gate-1")
        // 23:30 and 23:50 local on 11-29 (15:30Z, 15:50Z), then 00:10 local on 11-30.
        let late = baseTime + 15.5 * 3600
        try writer.append(attempt(late, occupancy: 3), utcOffsetSeconds: shanghaiOffset)
        try writer.append(attempt(late + 60, .refused, reasons: [.fever], temperature: 38.4, occupancy: 3), utcOffsetSeconds: shanghaiOffset)
        try writer.append(attempt(late + 1200, reasons: [.vaccinationPrompt], occupancy: 7), utcOffsetSeconds: shanghaiOffset)
        try writer.append(attempt(late + 2400, .refused, reasons: [.redCode, .natMissing], occupancy: 7), utcOffsetSeconds: shanghaiOffset)
        try writer.append(event(late + 2500, "fault"), utcOffsetSeconds: shanghaiOffset)
        let reader = try EntryLogReader(path: path)
        let hours = try reader.stats(since: baseTime, until: baseTime + 86400, by: .hour)
        #expect(hours.count == 2)
        let first = try #require(hours.first), second = try #require(hours.last)
        // baseTime is 2026-11-29 00:00 UTC, so as local wall-clock seconds it is 2026-11-29 00:00 local.
        #expect(first.localStart == Int64(baseTime) + 23 * 3600)
        #expect(second.localStart == Int64(baseTime) + 24 * 3600)
        #expect((first.attempts, first.admitted, first.refused, first.fevers, first.vaccinationPrompts) == (3, 2, 1, 1, 1))
        #expect(first.refusedByReason == ["fever": 1])
        #expect(first.peakOccupancy == 7)
        #expect((second.attempts, second.refused, second.faults) == (1, 1, 1))
        #expect(second.refusedByReason == ["red_code": 1, "nat_missing": 1])
        let days = try reader.stats(since: baseTime, until: baseTime + 86400, by: .day)
        #expect(days.map(\.localStart) == [Int64(baseTime), Int64(baseTime) + 86400])
        #expect(days.map(\.attempts) == [3, 1])
    }

    @Test func traceFindsOtherSubjectsWithinTheWindowOnly() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("entries.sqlite")
        let writer = try EntryLogWriter(path: path, gateID: "gate-1")
        let rows: [EntryRecord] = [
            attempt(baseTime - 3600, subject: "far-before"),         // 60 min before: outside
            attempt(baseTime - 1700, subject: "near-1"),             // 28 min before
            attempt(baseTime, subject: "case"),                      // the traced subject
            attempt(baseTime + 60, .refused, reasons: [.fever], subject: "near-2"),
            attempt(baseTime + 120, subject: nil),                   // unreadable: identifies nobody
            event(baseTime + 130, "start"),
            attempt(baseTime + 5000, subject: "far-after"),
            attempt(baseTime + 7000, subject: "case"),               // second visit
            attempt(baseTime + 7100, subject: "near-1"),
        ]
        try writer.append(contentsOf: rows, utcOffsetSeconds: shanghaiOffset)
        let result = try EntryLogReader(path: path).trace(subjectID: "case", window: 1800)
        #expect(result.subjectAttempts.map(\.seq) == [3, 8])
        // far-after (+5000 s) is 2000 s before the second visit: outside the 1800 s window of either visit.
        #expect(result.hits.map(\.entry.seq) == [2, 4, 9])
        #expect(result.hits.map(\.nearestSubjectSeq) == [3, 3, 8])
        #expect(result.hits.map(\.secondsFromSubject) == [-1700, 60, 100])
        #expect(result.distinctCompanions == 2)
        let narrow = try EntryLogReader(path: path).trace(subjectID: "case", window: 120)
        #expect(narrow.hits.map(\.entry.seq) == [4, 9])
    }

    @Test func daemonRestartQueriesAndDailyReport() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("entries.sqlite")
        let writer = try EntryLogWriter(path: path, gateID: "gate-1")
        #expect(try writer.lastOccupancy() == nil)
        try writer.append(attempt(baseTime, fingerprint: "old", occupancy: 1), utcOffsetSeconds: shanghaiOffset)
        try writer.append(attempt(baseTime + 10, fingerprint: "new", occupancy: 2), utcOffsetSeconds: shanghaiOffset)
        try writer.append(attempt(baseTime + 20, .refused, reasons: [.replayed], fingerprint: "refused", occupancy: 2),
                          utcOffsetSeconds: shanghaiOffset)
        try writer.append(event(baseTime + 30, "start"), utcOffsetSeconds: shanghaiOffset)
        let reopened = try EntryLogWriter(path: path, gateID: "gate-1")
        #expect(try reopened.recentFingerprints(since: baseTime + 5).map(\.fingerprint) == ["new"])
        let occupancy = try #require(try reopened.lastOccupancy())
        #expect(occupancy.occupancy == 2 && occupancy.time == baseTime + 20)
        let report = try EntryLogReader(path: path).dailyReport(from: baseTime - 3600, until: baseTime + 3600)
        #expect(report.totals.attempts == 3 && report.totals.admitted == 2 && report.totals.refused == 1)
        #expect(report.totals.refusedByReason == ["replayed": 1])
        #expect(report.events == ["start": 1])
        #expect(report.firstSeq == 1 && report.lastSeq == 4 && report.gateIDs == ["gate-1"])
        #expect(report.lastHash?.count == 64)
    }

    @Test func unmaskedDataNeverReachesTheFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("entries.sqlite")
        let writer = try EntryLogWriter(path: path, gateID: "gate-1")
        let rawID = "11010519491231002X"
        var record = attempt(baseTime)
        record.maskedIDNumber = rawID
        record.maskedName = "王小明"
        record.detail = "override for \(rawID) by staff"
        record.temperature = .nan
        try writer.append(record, utcOffsetSeconds: 0)
        let stored = try #require(try EntryLogReader(path: path).entries(EntryFilter()).first?.record)
        #expect(stored.maskedIDNumber == "110***********002X")
        #expect(stored.maskedName == "王**")
        #expect(stored.detail == "override for [redacted] by staff")
        #expect(stored.temperature == nil)
        for file in [path, path + "-wal"] {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            #expect(bytes.range(of: Data(rawID.utf8)) == nil, "\(file)")
            #expect(bytes.range(of: Data("王小明".utf8)) == nil, "\(file)")
        }
        #expect(try EntryLogReader(path: path).verifyChain().isValid)
    }

    @Test func invalidTimeIsRejectedAndNothingIsWritten() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("entries.sqlite")
        let writer = try EntryLogWriter(path: path, gateID: "gate-1")
        #expect(throws: EntryLogError.invalidRecord("time is not a finite number")) {
            try writer.append(attempt(.infinity), utcOffsetSeconds: 0)
        }
        #expect(try EntryLogReader(path: path).lastSeq() == nil)
    }
}
