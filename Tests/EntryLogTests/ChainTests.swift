import Foundation
import GateCore
import Testing
@testable import EntryLog

@Suite("Hash chain and retention")
struct ChainTests {
    /// A log of `count` rows, one a minute from baseTime.
    func makeLog(_ directory: TemporaryDirectory, count: Int = 10) throws -> (path: String, writer: EntryLogWriter) {
        let path = directory.path("entries.sqlite")
        let writer = try EntryLogWriter(path: path, gateID: "gate-1")
        // Rows 1, 4, 7, 10 carry a reason, so the reason index has entries to tamper with.
        let records: [EntryRecord] = (0..<count).map { (index: Int) -> EntryRecord in
            let fever = index % 3 == 0
            return attempt(baseTime + Double(index) * 60, fever ? .refused : .admitted, reasons: fever ? [.fever] : [], subject: "s\(index)")
        }
        try writer.append(contentsOf: records, utcOffsetSeconds: shanghaiOffset)
        return (path, writer)
    }

    @Test func intactChainVerifies() throws {
        let directory = try TemporaryDirectory()
        let (path, _) = try makeLog(directory)
        let report = try EntryLogReader(path: path).verifyChain()
        #expect(report.isValid && report.rowsChecked == 10 && report.headSeq == 10 && report.startsAfterSeq == nil)
    }

    /// Each tampering, done with the sqlite3 tool on the file, and the problem verify must name.
    static let tamperings: [(name: String, sql: String, expected: ChainProblem)] = [
        ("edit a field", "UPDATE entry SET temperature = 36.6 WHERE seq = 4", .changed(seq: 4)),
        ("a wrong-typed value", "UPDATE entry SET occupancy_after = 'x' WHERE seq = 10", .changed(seq: 10)),
        ("a time as text", "UPDATE entry SET time = 'abc' WHERE seq = 3", .changed(seq: 3)),
        ("edit the decision", "UPDATE entry SET decision = 'override' WHERE seq = 10", .changed(seq: 10)),
        ("edit and rewrite the hash", "UPDATE entry SET hash = randomblob(32) WHERE seq = 6", .changed(seq: 6)),
        ("delete a row", "DELETE FROM entry WHERE seq = 5", .removed(afterSeq: 4, beforeSeq: 6)),
        ("delete several rows", "DELETE FROM entry WHERE seq BETWEEN 3 AND 6", .removed(afterSeq: 2, beforeSeq: 7)),
        ("delete the first row", "DELETE FROM entry WHERE seq = 1", .removed(afterSeq: nil, beforeSeq: 2)),
        // A forged row slipped in with a made-up link, in the gap left by renumbering the rows after it.
        ("insert a row", """
            UPDATE entry SET seq = seq + 100 WHERE seq > 7; UPDATE entry SET seq = seq - 99 WHERE seq > 100;
            INSERT INTO entry SELECT 8, gate_id, time + 1, utc_offset, kind, decision, reasons, event, format, issuer,
              colour, masked_name, masked_id, 'intruder', nat_age_hours, vaccination_doses, temperature,
              remeasured_temperature, occupancy_after, clock_synced, fingerprint, rules, detail, checkpoint_through_seq,
              checkpoint_count, checkpoint_hash, hash, hash FROM entry WHERE seq = 7;
            """, .inserted(seq: 8)),
        // Item 2: the reason index is outside the chain, but `log --reason` and export read it.
        ("hide a fever row from --reason", "DELETE FROM entry_reason WHERE seq = 4", .reasonIndex(seq: 4)),
        ("add a reason to a row", "INSERT INTO entry_reason VALUES ('red_code', 5)", .reasonIndex(seq: 5)),
        ("move a reason to another row", "UPDATE entry_reason SET seq = 5 WHERE seq = 4", .reasonIndex(seq: 4)),
        ("index a row that does not exist", "INSERT INTO entry_reason VALUES ('fever', 99)", .reasonIndex(seq: 99)),
        // Text sorts after every number: found after the last indexed row.
        ("a wrong-typed index row", "INSERT INTO entry_reason VALUES ('fever', 'x')", .reasonIndex(seq: 10)),
    ]

    @Test(arguments: tamperings)
    func tamperingIsDetectedAndNamed(_ tampering: (name: String, sql: String, expected: ChainProblem)) throws {
        let directory = try TemporaryDirectory()
        let (path, _) = try makeLog(directory)
        try tamper(path, tampering.sql)
        let report = try EntryLogReader(path: path).verifyChain()
        #expect(report.problem == tampering.expected, "\(tampering.name)")
    }

    /// An insertion whose own hash was computed correctly (the forger knows the algorithm): the next row
    /// still links to the row before it, which names the forged row.
    @Test func insertionWithAValidOwnHashIsNamed() throws {
        let directory = try TemporaryDirectory()
        let (path, _) = try makeLog(directory, count: 6)
        var forged = StoredRow(record: attempt(baseTime + 150, subject: "intruder"), gateID: "gate-1", utcOffsetSeconds: shanghaiOffset)
        try tamper(path, "UPDATE entry SET seq = seq + 100 WHERE seq > 3; UPDATE entry SET seq = seq - 99 WHERE seq > 100;")
        forged.prevHash = try storedHash(path, seq: 3)
        forged.hash = forged.computedHash()
        try tamper(path, "INSERT INTO entry (seq, gate_id, time, utc_offset, kind, decision, reasons, clock_synced, rules, prev_hash, hash, subject_id, colour, format, issuer, masked_name, masked_id, nat_age_hours, vaccination_doses, temperature, fingerprint) SELECT 4, gate_id, \(forged.time), utc_offset, kind, decision, reasons, clock_synced, rules, X'\(forged.prevHash.hex)', X'\(forged.hash.hex)', 'intruder', colour, format, issuer, masked_name, masked_id, nat_age_hours, vaccination_doses, temperature, '\(forged.fingerprint ?? "")' FROM entry WHERE seq = 3")
        let report = try EntryLogReader(path: path).verifyChain()
        #expect(report.problem == .inserted(seq: 4))
    }

    @Test func purgeDeletesTheOldPrefixLogsItAndKeepsTheChainVerifiable() throws {
        let directory = try TemporaryDirectory()
        let (path, writer) = try makeLog(directory)
        let retention = 28.0 * 86_400
        let deleted = try writer.purge(olderThan: baseTime + 4 * 60, now: baseTime + 4 * 60 + retention, utcOffsetSeconds: shanghaiOffset)
        #expect(deleted == 4)
        let reader = try EntryLogReader(path: path)
        let remaining = try reader.entries(EntryFilter(limit: nil))
        #expect(remaining.map(\.seq) == [5, 6, 7, 8, 9, 10, 11])
        let purge = try #require(remaining.last)
        #expect(purge.record.kind == .event && purge.record.event == "purge")
        #expect(purge.record.detail == "retention_s=2419200 cutoff=\(baseTime + 240) deleted=4 through_seq=4")
        let second = baseTime + 240 + retention + 1  // after the first purge row: it goes too
        let later = second + retention + 1
        var report = try reader.verifyChain(now: later)
        #expect(report.isValid && report.startsAfterSeq == 4 && report.rowsChecked == 7)
        // Nothing older: no rows deleted, no row written.
        #expect(try writer.purge(olderThan: baseTime, now: baseTime + retention, utcOffsetSeconds: shanghaiOffset) == 0)
        #expect(try reader.lastSeq() == 11)
        // A second purge covers the first checkpoint; the chain still verifies, and the reason index is cleaned.
        try writer.purge(olderThan: second, now: second + retention, utcOffsetSeconds: shanghaiOffset)
        report = try reader.verifyChain(now: later)
        #expect(report.isValid && report.startsAfterSeq == 11 && report.rowsChecked == 1)
        // Deleting a row after the checkpoint is still caught, and so is deleting the checkpoint itself.
        try writer.append(contentsOf: [attempt(later), attempt(later + 100)], utcOffsetSeconds: shanghaiOffset)
        try tamper(path, "DELETE FROM entry WHERE seq = 13")
        #expect(try reader.verifyChain(now: later).problem == .removed(afterSeq: 12, beforeSeq: 14))
        try tamper(path, "DELETE FROM entry WHERE seq = 12")
        #expect(try reader.verifyChain(now: later).problem == .removed(afterSeq: nil, beforeSeq: 14))
    }

    @Test func purgeStopsAtTheFirstRowThatIsNotOldEvenIfLaterRowsAre() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("entries.sqlite")
        let writer = try EntryLogWriter(path: path, gateID: "gate-1")
        // Row 3 was written while the clock was years behind: purging it alone would punch a hole in the chain.
        try writer.append(contentsOf: [attempt(baseTime), attempt(baseTime + 3600), attempt(1_000_000), attempt(baseTime + 7200)],
                          utcOffsetSeconds: 0)
        #expect(try writer.purge(olderThan: baseTime + 60, now: baseTime + 60 + 86_400, utcOffsetSeconds: 0) == 1)
        #expect(try EntryLogReader(path: path).verifyChain(now: baseTime + 60 + 86_400).isValid)
    }

    /// Item 1: the attack from the issue. Append a purge row naming row 9 and its hash (own hash and link
    /// computed as the docs describe), delete rows ≤ 9. Each forged claim and the flaw verify must name.
    static let forgedPurges: [(name: String, time: Double, detail: String?, flaw: PurgeFlaw)] = [
        ("no claim at all", baseTime + 660, nil, .noClaim),
        ("the old free-text form, minutes of retention", baseTime + 660,
         "retention: deleted 9 rows older than \(Int64(baseTime + 540)) (epoch s), through seq 9", .retentionBelowMinimum(retentionSeconds: 120, minimumSeconds: 86_400)),
        ("a retention of a minute", baseTime + 660, "retention_s=60 cutoff=\(baseTime + 600) deleted=9 through_seq=9",
         .retentionBelowMinimum(retentionSeconds: 60, minimumSeconds: 86_400)),
        ("time, retention and cut-off disagree", baseTime + 660, "retention_s=86400 cutoff=\(baseTime + 540) deleted=9 through_seq=9", .inconsistent),
        ("counts disagree", baseTime + 86_400 + 540, "retention_s=86400 cutoff=\(baseTime + 540) deleted=5 through_seq=9", .inconsistent),
        ("a cut-off past the first kept row", baseTime + 86_400 + 1200, "retention_s=86400 cutoff=\(baseTime + 1200) deleted=9 through_seq=9",
         .keptRowOlderThanCutoff(seq: 10)),
        ("dated a year ahead", baseTime + 365 * 86_400, "retention_s=\(365 * 86_400 - 540) cutoff=\(baseTime + 540) deleted=9 through_seq=9",
         .inTheFuture),
    ]

    @Test(arguments: forgedPurges)
    func forgedPurgeIsNamed(_ forged: (name: String, time: Double, detail: String?, flaw: PurgeFlaw)) throws {
        let directory = try TemporaryDirectory()
        let (path, _) = try makeLog(directory, count: 12)
        #expect(try EntryLogReader(path: path).verifyChain(now: baseTime + 86_400 * 2).isValid)
        let seq = try forgePurge(path, through: 9, time: forged.time, detail: forged.detail)
        let report = try EntryLogReader(path: path).verifyChain(now: baseTime + 86_400 * 2)
        #expect(report.problem == .purgeUnprovable(seq: seq, flaw: forged.flaw), "\(forged.name)")
    }

    @Test func honestPurgesInBothFormsVerifyAndAMinimumRetentionIsEnforced() throws {
        let directory = try TemporaryDirectory()
        let (path, writer) = try makeLog(directory, count: 12)
        let now = baseTime + 28 * 86_400 + 500
        try writer.purge(olderThan: now - 28 * 86_400, now: now, utcOffsetSeconds: 0)
        let reader = try EntryLogReader(path: path)
        var report = try reader.verifyChain(now: now)
        #expect(report.isValid && report.startsAfterSeq == 9 && report.cutoff == now - 28 * 86_400)
        #expect(try reader.verifyChain(minimumRetentionSeconds: 28 * 86_400, now: now).isValid)
        #expect(try reader.verifyChain(minimumRetentionSeconds: 30 * 86_400, now: now).problem
                == .purgeUnprovable(seq: 13, flaw: .retentionBelowMinimum(retentionSeconds: 28 * 86_400, minimumSeconds: 30 * 86_400)))
        // A log purged by an earlier version: the free-text detail states a whole-second cut-off.
        let legacy = try TemporaryDirectory()
        let (legacyPath, _) = try makeLog(legacy, count: 12)
        let seq = try forgePurge(legacyPath, through: 9, time: baseTime + 28 * 86_400 + 540.5,
                                 detail: "retention: deleted 9 rows older than \(Int64(baseTime + 540)) (epoch s), through seq 9")
        report = try EntryLogReader(path: legacyPath).verifyChain(now: now + 3600)
        #expect(report.isValid && report.startsAfterSeq == 9 && seq == 13)
    }

    private func storedHash(_ path: String, seq: Int64) throws -> Data {
        let process = Process()
        let pipe = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [path, "SELECT hex(hash) FROM entry WHERE seq = \(seq)"]
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        let hex = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        var bytes = Data()
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex),
              let byte = UInt8(hex[index..<next], radix: 16) {
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
