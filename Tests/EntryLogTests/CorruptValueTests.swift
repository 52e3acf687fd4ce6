import Foundation
import GateCore
import Testing
@testable import EntryLog

/// Issue 12, item 4: a value of the wrong type, written with the sqlite3 tool, used to trap in GRDB
/// (`healthgated` died with SIGILL at start, `gatectl log` with rc 132). Now each read names the row.
@Suite struct CorruptValueTests {
    func log(_ directory: TemporaryDirectory) throws -> (path: String, writer: EntryLogWriter) {
        let path = directory.path("entries.sqlite")
        let writer = try EntryLogWriter(path: path, gateID: "gate-1")
        try writer.append(contentsOf: (0..<5).map { attempt(baseTime + Double($0) * 60, subject: "s\($0)", fingerprint: "f\($0)") },
                          utcOffsetSeconds: shanghaiOffset)
        return (path, writer)
    }

    func expectCorruptRow(_ seq: Int64, _ column: String, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("no error for the corrupt row \(seq)")
        } catch let error as EntryLogError {
            guard case .corruptRow(_, let found, let name, _) = error else { Issue.record("\(error)"); return }
            #expect(found == seq && name == column)
            #expect(error.description.contains("row \(seq)") && error.description.contains(column))
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func wrongTypedOccupancyIsReportedAndTheWriterGoesOn() throws {
        let directory = try TemporaryDirectory()
        let (path, writer) = try log(directory)
        try tamper(path, "UPDATE entry SET occupancy_after = 'x' WHERE seq = 5")
        // What the daemon reads at start, and what gatectl log reads.
        expectCorruptRow(5, "occupancy_after") { _ = try writer.lastOccupancy() }
        expectCorruptRow(5, "occupancy_after") { _ = try EntryLogReader(path: path).entries(EntryFilter()) }
        // The gate still logs: the next row links to the edited one, whose hash verify then reports as changed.
        let seq = try writer.append(attempt(baseTime + 600), utcOffsetSeconds: shanghaiOffset)
        #expect(seq == 6)
        #expect(try EntryLogReader(path: path).verifyChain().problem == .changed(seq: 5))
    }

    @Test func timeAsTextIsReportedByEveryQuery() throws {
        let directory = try TemporaryDirectory()
        let (path, writer) = try log(directory)
        try tamper(path, "UPDATE entry SET time = 'abc' WHERE seq = 2")
        let reader = try EntryLogReader(path: path)
        expectCorruptRow(2, "time") { _ = try reader.entries(EntryFilter()) }
        expectCorruptRow(2, "time") { try reader.forEachEntry(EntryFilter()) { _ in } }
        expectCorruptRow(2, "time") { _ = try writer.recentFingerprints(since: 0) }
        try tamper(path, "UPDATE entry SET time = \(baseTime + 60), occupancy_after = 'x' WHERE seq = 2")
        expectCorruptRow(2, "occupancy_after") { _ = try reader.entries(EntryFilter()) }
    }

    @Test func wrongTypedHeadHashStopsWritesWithAClearError() throws {
        let directory = try TemporaryDirectory()
        let (path, writer) = try log(directory)
        try tamper(path, "UPDATE entry SET hash = 42 WHERE seq = 5")
        expectCorruptRow(5, "hash") { _ = try writer.append(attempt(baseTime + 600), utcOffsetSeconds: shanghaiOffset) }
        #expect(try EntryLogReader(path: path).lastSeq() == 5, "nothing was written")
    }
}
