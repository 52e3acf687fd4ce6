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
        try writer.append(contentsOf: (0..<count).map { attempt(baseTime + Double($0) * 60, subject: "s\($0)") },
                          utcOffsetSeconds: shanghaiOffset)
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
        ("edit the decision", "UPDATE entry SET decision = 'refused' WHERE seq = 10", .changed(seq: 10)),
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
        let deleted = try writer.purge(olderThan: baseTime + 4 * 60, now: baseTime + 3600, utcOffsetSeconds: shanghaiOffset)
        #expect(deleted == 4)
        let reader = try EntryLogReader(path: path)
        let remaining = try reader.entries(EntryFilter(limit: nil))
        #expect(remaining.map(\.seq) == [5, 6, 7, 8, 9, 10, 11])
        let purge = try #require(remaining.last)
        #expect(purge.record.kind == .event && purge.record.event == "purge")
        #expect(purge.record.detail?.contains("deleted 4 rows") == true)
        var report = try reader.verifyChain()
        #expect(report.isValid && report.startsAfterSeq == 4 && report.rowsChecked == 7)
        // Nothing older: no rows deleted, no row written.
        #expect(try writer.purge(olderThan: baseTime, now: baseTime + 3600, utcOffsetSeconds: shanghaiOffset) == 0)
        #expect(try reader.lastSeq() == 11)
        // A second purge covers the first checkpoint; the chain still verifies, and the reason index is cleaned.
        try writer.purge(olderThan: baseTime + 7200, now: baseTime + 7200, utcOffsetSeconds: shanghaiOffset)
        report = try reader.verifyChain()
        #expect(report.isValid && report.startsAfterSeq == 11 && report.rowsChecked == 1)
        // Deleting a row after the checkpoint is still caught, and so is deleting the checkpoint itself.
        try writer.append(contentsOf: [attempt(baseTime + 7300), attempt(baseTime + 7400)], utcOffsetSeconds: shanghaiOffset)
        try tamper(path, "DELETE FROM entry WHERE seq = 13")
        #expect(try reader.verifyChain().problem == .removed(afterSeq: 12, beforeSeq: 14))
        try tamper(path, "DELETE FROM entry WHERE seq = 12")
        #expect(try reader.verifyChain().problem == .removed(afterSeq: nil, beforeSeq: 14))
    }

    @Test func purgeStopsAtTheFirstRowThatIsNotOldEvenIfLaterRowsAre() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("entries.sqlite")
        let writer = try EntryLogWriter(path: path, gateID: "gate-1")
        // Row 3 was written while the clock was years behind: purging it alone would punch a hole in the chain.
        try writer.append(contentsOf: [attempt(baseTime), attempt(baseTime + 3600), attempt(1_000_000), attempt(baseTime + 7200)],
                          utcOffsetSeconds: 0)
        #expect(try writer.purge(olderThan: baseTime + 60, now: baseTime + 8000, utcOffsetSeconds: 0) == 1)
        #expect(try EntryLogReader(path: path).verifyChain().isValid)
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
