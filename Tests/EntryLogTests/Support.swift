import Foundation
import GateCore
import GRDB
@testable import EntryLog

/// A fresh directory per test, removed when the value is released.
final class TemporaryDirectory {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("entrylog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// 2026-11-29 00:00:00 UTC (08:00 in Asia/Shanghai).
let baseTime: EpochSeconds = 1_795_910_400
let shanghaiOffset = 8 * 3600

func attempt(_ time: EpochSeconds, _ decision: EntryRecord.Decision = .admitted, reasons: [Reason] = [],
             colour: CodeColour = .green, subject: String? = "subj-a", fingerprint: String? = nil,
             temperature: Double? = 36.5, occupancy: Int? = nil) -> EntryRecord {
    EntryRecord(time: time, kind: .attempt, decision: decision, reasons: reasons, format: .hg1, issuer: "gd",
                colour: colour, maskedName: "张*", maskedIDNumber: "440***********123X", subjectID: subject,
                nucleicAcidAgeHours: 20, vaccinationDoses: 3, temperature: temperature, occupancyAfter: occupancy,
                clockSynchronised: true, codeFingerprint: fingerprint ?? "fp-\(time)", rules: ["colour=pass"])
}

func event(_ time: EpochSeconds, _ name: String, detail: String? = nil) -> EntryRecord {
    EntryRecord(time: time, kind: .event, decision: .none, event: name, clockSynchronised: true, detail: detail)
}

/// Runs SQL on the log file directly, as an attacker with write access to the file would.
func tamper(_ path: String, _ sql: String) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    process.arguments = [path, sql]
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
}

/// Forges a purge as an attacker who knows the algorithm: appends a purge checkpoint naming row `through` and its
/// hash, with a correct link and own hash, then deletes rows ≤ `through` and their reason index entries.
@discardableResult
func forgePurge(_ path: String, through: Int64, time: Double, detail: String?) throws -> Int64 {
    let queue = try DatabaseQueue(path: path)
    return try queue.write { db in
        let count = try Int64.fetchOne(db, sql: "SELECT count(*) FROM entry WHERE seq <= ?", arguments: [through]) ?? 0
        var row = StoredRow(record: event(time, "purge", detail: detail), gateID: "gate-1", utcOffsetSeconds: 0)
        row.checkpointThroughSeq = through
        row.checkpointCount = count
        row.checkpointHash = try Data.fetchOne(db, sql: "SELECT hash FROM entry WHERE seq = ?", arguments: [through])
        let seq = try EntryLogWriter.insert(row, db)
        try db.execute(sql: "DELETE FROM entry WHERE seq <= ?", arguments: [through])
        try db.execute(sql: "DELETE FROM entry_reason WHERE seq <= ?", arguments: [through])
        return seq
    }
}

/// Rewrites row `seq` and recomputes every later hash, as a forger with write access would: the chain verifies.
func rewriteAndRechain(_ path: String, seq: Int64, temperature: Double) throws {
    let queue = try DatabaseQueue(path: path)
    try queue.write { db in
        let rows = try Row.fetchAll(db, sql: "SELECT \(StoredRow.columns) FROM entry WHERE seq >= ? ORDER BY seq", arguments: [seq])
            .map { try StoredRow(row: $0) }
        var previous = try Data.fetchOne(db, sql: "SELECT hash FROM entry WHERE seq < ? ORDER BY seq DESC LIMIT 1", arguments: [seq])
            ?? Schema.genesisHash
        for var row in rows {
            if row.seq == seq { row.temperature = temperature }
            row.prevHash = previous
            row.hash = row.computedHash()
            try db.execute(sql: "UPDATE entry SET temperature = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                           arguments: [row.temperature, row.prevHash, row.hash, row.seq])
            previous = row.hash
        }
    }
}
