import Foundation
import GateCore
import Testing
@testable import EntryLog

/// Issue 12, items 1 and 3: signed anchors outside the database, `verify --anchor`, and the writer's refusal to
/// start a new chain over one its anchors say existed.
@Suite("Anchors and continuity")
struct AnchorTests {
    struct Log {
        let directory: TemporaryDirectory
        var path: String { directory.path("entries.sqlite") }
        var settings: AnchorSettings { AnchorSettings(file: directory.path("anchors.jsonl"), keyFile: directory.path("anchor.key")) }
        func writer() throws -> EntryLogWriter { try EntryLogWriter(path: path, gateID: "gate-1", anchor: settings) }
        func append(_ writer: EntryLogWriter, from: Int, count: Int) throws {
            try writer.append(contentsOf: (from..<from + count).map { attempt(baseTime + Double($0) * 60, subject: "s\($0)") },
                              utcOffsetSeconds: 0)
        }
        func verify(_ expectedKey: String? = nil) throws -> AnchorReport {
            try EntryLogReader(path: path).verifyAnchors(file: settings.file, expectedKey: expectedKey)
        }
        var anchorLines: [String] {
            (try? String(contentsOfFile: settings.file, encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
        }
    }

    /// Rows 1–5, an anchor on row 5; rows 6–20, an anchor on row 20 (an hour later).
    func anchoredLog() throws -> (Log, EntryLogWriter) {
        let log = Log(directory: try TemporaryDirectory())
        let writer = try log.writer()
        try log.append(writer, from: 0, count: 5)
        try writer.writeAnchor(now: baseTime + 300)
        try log.append(writer, from: 5, count: 15)
        try writer.writeAnchor(now: baseTime + 300 + 3600)
        return (log, writer)
    }

    @Test func anchorsAreSignedWrittenAtMostHourlyAndTheKeyStaysSecret() throws {
        let (log, writer) = try anchoredLog()
        #expect(log.anchorLines.count == 2)
        // Within the hour nothing; a head already anchored is never repeated; a stop forces one.
        try log.append(writer, from: 20, count: 1)
        try writer.writeAnchor(now: baseTime + 300 + 3700)
        #expect(log.anchorLines.count == 2)
        try writer.writeAnchor(now: baseTime + 300 + 3700, force: true)
        try writer.writeAnchor(now: baseTime + 300 + 3800, force: true)
        #expect(log.anchorLines.count == 3)
        let report = try log.verify(writer.anchorPublicKey)
        #expect(report.isValid && report.anchorsChecked == 3 && report.newest?.seq == 21 && report.newestLine == 3)
        #expect(report.publicKey == writer.anchorPublicKey)
        let keyMode = try FileManager.default.attributesOfItem(atPath: log.settings.keyFile)[.posixPermissions] as? Int
        let anchorMode = try FileManager.default.attributesOfItem(atPath: log.settings.file)[.posixPermissions] as? Int
        #expect(keyMode == 0o600 && anchorMode == 0o640)
        let secret = try String(contentsOfFile: log.settings.keyFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(secret.count == 64 && !log.anchorLines.joined().contains(secret))
        // The same key after a restart.
        #expect(try log.writer().anchorPublicKey == writer.anchorPublicKey)
    }

    /// The attack of item 1 with a claim that passes the chain check on its own (two days of retention, consistent
    /// times): the anchor on row 5, a row newer than the claimed cut-off, shows the purge was forged.
    @Test func aForgedPurgeOfRecentRowsIsCaughtByTheAnchor() throws {
        let (log, _) = try anchoredLog()
        let time = baseTime + 1260
        try forgePurge(log.path, through: 9, time: time, detail: "retention_s=172800 cutoff=\(time - 172_800) deleted=9 through_seq=9")
        #expect(try EntryLogReader(path: log.path).verifyChain(now: baseTime + 7200).isValid)
        #expect(try log.verify().problem == .purgedTooRecent(line: 1, seq: 5))
    }

    @Test func anHonestPurgeCoversTheRowsItDeleted() throws {
        let (log, writer) = try anchoredLog()
        let now = baseTime + 28 * 86_400 + 500
        #expect(try writer.purge(olderThan: now - 28 * 86_400, now: now, utcOffsetSeconds: 0) == 9)
        try writer.writeAnchor(now: now)
        let report = try log.verify()
        #expect(report.isValid && report.anchorsChecked == 3)
        // And the writer reopens on it.
        _ = try log.writer()
    }

    @Test func truncatingTheHeadIsCaught() throws {
        let (log, _) = try anchoredLog()
        let copy = try Data(contentsOf: URL(fileURLWithPath: log.settings.file))  // taken off the board before the attack
        try tamper(log.path, "DELETE FROM entry WHERE seq > 17")
        let fromCopy = try EntryLogReader(path: log.path).verifyAnchors(contents: copy, name: "standard input")
        #expect(fromCopy.problem == .truncated(line: 2, seq: 20, headSeq: 17) && fromCopy.file == "standard input")
        #expect(try EntryLogReader(path: log.path).verifyChain().isValid)  // the chain alone cannot tell
        #expect(try log.verify().problem == .truncated(line: 2, seq: 20, headSeq: 17))
    }

    @Test func rewritingAndRechainingIsCaught() throws {
        let (log, _) = try anchoredLog()
        try rewriteAndRechain(log.path, seq: 12, temperature: 36.6)
        #expect(try EntryLogReader(path: log.path).verifyChain().isValid)
        #expect(try log.verify().problem == .rowDiffers(line: 2, seq: 20))
    }

    @Test func deletingAnAnchoredRowInTheMiddleIsCaught() throws {
        let (log, _) = try anchoredLog()
        try tamper(log.path, "DELETE FROM entry WHERE seq = 5")
        #expect(try log.verify().problem == .rowMissing(line: 1, seq: 5))
    }

    @Test func anEditedOrForeignAnchorIsRefused() throws {
        let (log, writer) = try anchoredLog()
        let lines = log.anchorLines
        // Edited: the forger points the anchor at the rewritten chain.
        try (lines[0].replacingOccurrences(of: "\"seq\":5", with: "\"seq\":4") + "\n" + lines[1] + "\n")
            .write(toFile: log.settings.file, atomically: true, encoding: .utf8)
        #expect(try log.verify().problem == .badSignature(line: 1))
        // Re-signed with another key: refused against the first line's key, and against the registered one.
        try (lines.joined(separator: "\n") + "\n").write(toFile: log.settings.file, atomically: true, encoding: .utf8)
        let other = Log(directory: try TemporaryDirectory())
        let otherWriter = try other.writer()
        try other.append(otherWriter, from: 0, count: 1)
        try otherWriter.writeAnchor(now: baseTime, force: true)
        let foreign = try #require(other.anchorLines.first)
        try (lines.joined(separator: "\n") + "\n" + foreign + "\n").write(toFile: log.settings.file, atomically: true, encoding: .utf8)
        #expect(try log.verify().problem == .otherKey(line: 3))
        #expect(try log.verify(otherWriter.anchorPublicKey).problem == .otherKey(line: 1))
        #expect(writer.anchorPublicKey != otherWriter.anchorPublicKey)
        // Not an anchor at all.
        try "garbage\n".write(toFile: log.settings.file, atomically: true, encoding: .utf8)
        #expect(try log.verify().problem == .unreadable(line: 1))
    }

    @Test func aTornLastLineIsLeftOutAndSaid() throws {
        let (log, _) = try anchoredLog()
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log.settings.file))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"gate\":\"gate-1\",\"ha".utf8))
        try handle.close()
        let report = try log.verify()
        #expect(report.isValid && report.tornLastLine && report.anchorsChecked == 2)
        // The writer cuts the fragment off before its next line, so the file stays readable throughout.
        let writer = try log.writer()
        try log.append(writer, from: 20, count: 1)
        try writer.writeAnchor(now: baseTime + 9000, force: true)
        let after = try log.verify()
        #expect(after.isValid && !after.tornLastLine && after.anchorsChecked == 3)
    }

    // MARK: - Item 3: a lost chain is a fault, never a silent new log

    func expectContinuityBroken(_ log: Log, _ fragment: String) {
        do {
            _ = try log.writer()
            Issue.record("the writer opened over a lost chain")
        } catch let error as EntryLogError {
            guard case .continuityBroken(_, let anchorFile, let detail) = error else { Issue.record("\(error)"); return }
            #expect(anchorFile == log.settings.file && detail.contains(fragment), "\(detail)")
            #expect(error.description.contains("move \(log.settings.file) aside"))
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func aDeletedDatabaseIsAFault() throws {
        let (log, _) = try anchoredLog()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: log.path + suffix) }
        expectContinuityBroken(log, "the database file is missing")
        #expect(!FileManager.default.fileExists(atPath: log.path))  // nothing created over the lost chain
        // Deliberately starting a new log: move the anchor file aside.
        try FileManager.default.moveItem(atPath: log.settings.file, toPath: log.settings.file + ".old")
        let fresh = try log.writer()
        #expect(try fresh.append(attempt(baseTime), utcOffsetSeconds: 0) == 1)
    }

    /// The issue's case: the main file without its -wal (rows only in the WAL, as while the daemon runs).
    @Test func aMainFileWithoutItsWALIsAFault() throws {
        let (log, writer) = try anchoredLog()
        let copy = Log(directory: try TemporaryDirectory())
        try FileManager.default.copyItem(atPath: log.path, toPath: copy.path)
        try FileManager.default.copyItem(atPath: log.settings.file, toPath: copy.settings.file)
        try FileManager.default.copyItem(atPath: log.settings.keyFile, toPath: copy.settings.keyFile)
        _ = writer
        expectContinuityBroken(copy, "names row 20")
    }

    @Test func anOlderCopyShorterThanTheLastAnchorIsAFault() throws {
        let log = Log(directory: try TemporaryDirectory())
        do {
            let writer = try log.writer()
            try log.append(writer, from: 0, count: 5)
        }
        let backup = log.directory.path("backup.sqlite")
        try FileManager.default.copyItem(atPath: log.path, toPath: backup)
        do {
            let writer = try log.writer()
            try log.append(writer, from: 5, count: 5)
            try writer.writeAnchor(now: baseTime + 3600, force: true)
        }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: log.path + suffix) }
        try FileManager.default.copyItem(atPath: backup, toPath: log.path)
        expectContinuityBroken(log, "ends at row 5")
    }

    @Test func reopeningAnIntactLogIsNoFault() throws {
        let (log, _) = try anchoredLog()
        let writer = try log.writer()
        #expect(try writer.append(attempt(baseTime + 9000), utcOffsetSeconds: 0) == 21)
    }
}
