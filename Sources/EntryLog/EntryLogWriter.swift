#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GateCore
import GRDB
import GRDBSQLite
#if canImport(Glibc)
import Glibc
#endif

/// The daemon's side of the entry log: the only writer. Every `append` is its own transaction committed with
/// `synchronous=FULL` in WAL mode, so when it returns the row survives a power cut or a SIGKILL.
public final class EntryLogWriter: Sendable {
    public let path: String
    public let gateID: String
    private let queue: DatabaseQueue
    private let anchors: AnchorWriter?

    /// Opens (creating and migrating when needed) the log at `path`, and sets its mode (and its WAL and shared
    /// memory files') to `fileMode`: owner read-write, group `gate-staff` read-only by default.
    ///
    /// With `anchor`, the signing key is loaded (created 0600 when missing) and the log must continue the chain
    /// the last anchor of this gate names: a log that is new, empty, shorter or different throws
    /// `continuityBroken` before anything is written (a lost `-wal` must never silently start a new chain).
    public init(path: String, gateID: String, fileMode: mode_t = 0o640, anchor: AnchorSettings? = nil) throws(EntryLogError) {
        self.path = path
        self.gateID = gateID
        if access(path, F_OK) == 0, let error = EntryLogError.accessError(path: path, write: true) { throw error }
        anchors = try anchor.map { settings throws(EntryLogError) in try AnchorWriter(settings: settings, gateID: gateID, fileMode: fileMode) }
        if let anchors, let last = anchors.lastAnchor, access(path, F_OK) != 0 {
            throw .continuityBroken(path: path, anchorFile: anchors.settings.file,
                                    detail: "the database file is missing, but the last anchor (written \(utcText(last.writtenAt))) names row \(last.seq)")
        }
        var configuration = Configuration()
        configuration.label = "entry-log-writer"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Keep the -wal and -shm files when the daemon stops: staff open the log read-only and cannot
            // create them in the service's directory, so without them a stopped daemon's log could not be read.
            var persist: Int32 = 1
            let status = sqlite3_file_control(db.sqliteConnection, "main", SQLITE_FCNTL_PERSIST_WAL, &persist)
            guard status == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: status)) }
        }
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            // Before migrating: a schema created over a lost chain would look like a fresh, valid log.
            if let anchors, let last = anchors.lastAnchor,
               let problem = try queue.read({ db in try AnchorVerifier.continuityProblem(db, last: last) }) {
                throw EntryLogError.continuityBroken(path: path, anchorFile: anchors.settings.file, detail: problem)
            }
            try Schema.migrator.migrate(queue)
        } catch {
            throw EntryLogError.map(error, path: path)
        }
        for file in [path, path + "-wal", path + "-shm"] where access(file, F_OK) == 0 {
            _ = chmod(file, fileMode)
        }
    }

    /// Commits one row and returns its sequence id. Throws (and writes nothing) on any failure: the caller
    /// must then treat the attempt as not logged (refuse, or buffer and fault, as configured).
    @discardableResult
    public func append(_ record: EntryRecord, utcOffsetSeconds: Int) throws(EntryLogError) -> Int64 {
        guard record.time.isFinite else { throw .invalidRecord("time is not a finite number") }
        let row = StoredRow(record: Privacy.sanitised(record), gateID: gateID, utcOffsetSeconds: utcOffsetSeconds)
        return try write { db in try Self.insert(row, db) }
    }

    /// Commits several rows in one transaction (one fsync): for rows buffered while the log was failing, and
    /// for bulk loads. All or none are committed when it returns.
    @discardableResult
    public func append(contentsOf records: [EntryRecord], utcOffsetSeconds: Int) throws(EntryLogError) -> [Int64] {
        guard records.allSatisfy({ $0.time.isFinite }) else { throw .invalidRecord("time is not a finite number") }
        let rows = records.map { StoredRow(record: Privacy.sanitised($0), gateID: gateID, utcOffsetSeconds: utcOffsetSeconds) }
        return try write { db in try rows.map { try Self.insert($0, db) } }
    }

    /// Fingerprints of admitted attempts since `since`, oldest first: the anti-passback state after a restart.
    public func recentFingerprints(since: EpochSeconds) throws(EntryLogError) -> [(fingerprint: String, time: EpochSeconds)] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT fingerprint, time, seq FROM entry
                WHERE time >= ? AND kind = 'attempt' AND decision = 'admitted' AND fingerprint IS NOT NULL
                ORDER BY seq
                """, arguments: [since]).map { row in
                    let seq: Int64? = try row.optional(2, "seq")
                    return (fingerprint: try row.required(0, "fingerprint", seq: seq), time: try row.required(1, "time", seq: seq))
                }
        }
    }

    /// The occupancy after the most recent row that recorded one, so the count survives a restart.
    public func lastOccupancy() throws(EntryLogError) -> (occupancy: Int, time: EpochSeconds)? {
        try read { db in
            try Row.fetchOne(db, sql: """
                SELECT occupancy_after, time, seq FROM entry WHERE occupancy_after IS NOT NULL ORDER BY seq DESC LIMIT 1
                """).map { row in
                let seq: Int64? = try row.optional(2, "seq")
                return (occupancy: try row.required(0, "occupancy_after", seq: seq), time: try row.required(1, "time", seq: seq))
            }
        }
    }

    /// Deletes the oldest rows whose time is before `olderThan` (a contiguous prefix of the chain, so a row
    /// written while the clock was wrong cannot punch a hole), then appends one `purge` event row that is also
    /// the checkpoint: it records the last purged row's hash and seq so the chain still verifies from there, and
    /// in its detail the retention in force (`now - olderThan`) and the cut-off, which the verifier checks.
    /// Returns the number of rows deleted (0: nothing written).
    @discardableResult
    public func purge(olderThan: EpochSeconds, now: EpochSeconds, utcOffsetSeconds: Int) throws(EntryLogError) -> Int {
        try write { db in
            guard let firstKept: Int64 = try Int64.fetchOne(db, sql: "SELECT min(seq) FROM entry WHERE time >= ?",
                                                            arguments: [olderThan])
                    ?? Int64.fetchOne(db, sql: "SELECT max(seq) + 1 FROM entry")
            else { return 0 }
            let through = firstKept - 1
            guard let last = try Row.fetchOne(db, sql: "SELECT seq, hash FROM entry WHERE seq <= ? ORDER BY seq DESC LIMIT 1",
                                              arguments: [through]) else { return 0 }
            let lastHash: Data = try last.required(1, "hash", seq: try last.optional(0, "seq"))
            let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM entry WHERE seq <= ?", arguments: [through]) ?? 0
            for reason in Reason.allCases {
                try db.execute(sql: "DELETE FROM entry_reason WHERE reason = ? AND seq <= ?", arguments: [reason.rawValue, through])
            }
            try db.execute(sql: "DELETE FROM entry WHERE seq <= ?", arguments: [through])
            var checkpoint = StoredRow(
                record: EntryRecord(time: now, kind: .event, decision: .none, event: "purge", clockSynchronised: true,
                                    detail: PurgeClaim(retentionSeconds: Int64((now - olderThan).rounded()), cutoff: olderThan,
                                                       deleted: Int64(count), throughSeq: through).detail),
                gateID: gateID, utcOffsetSeconds: utcOffsetSeconds)
            checkpoint.checkpointThroughSeq = through
            checkpoint.checkpointCount = Int64(count)
            checkpoint.checkpointHash = lastHash
            _ = try Self.insert(checkpoint, db, emptyTableAnchor: (seq: through, hash: lastHash))
            return count
        }
    }

    /// Appends a signed anchor of the head to the anchor file (nothing without anchor settings, an empty log,
    /// or a head already anchored). Without `force` at most one an hour: the daemon calls it from its hourly
    /// housekeeping, and with `force` at a clean stop. The key is never part of an error or a message.
    public func writeAnchor(now: EpochSeconds, force: Bool = false) throws(EntryLogError) {
        guard let anchors else { return }
        let head = try read { db in
            try Row.fetchOne(db, sql: "SELECT seq, hash, time FROM entry ORDER BY seq DESC LIMIT 1").map { row in
                let seq: Int64 = try row.required(0, "seq")
                return (seq: seq, hash: try row.required(1, "hash", seq: seq) as Data, time: try row.required(2, "time", seq: seq) as Double)
            }
        }
        guard let head else { return }
        try anchors.write(seq: head.seq, hash: head.hash, rowTime: head.time, now: now, force: force)
    }

    /// The anchor key's public half (hex), to register with the county and to pass to `verify --anchor-key`.
    public var anchorPublicKey: String? { anchors?.publicKeyHex }

    /// Appends `row` after the last row (or after `emptyTableAnchor` when a purge has just deleted every row,
    /// so the checkpoint continues the numbering and the chain of the rows it replaced).
    static func insert(_ row: StoredRow, _ db: Database, emptyTableAnchor: (seq: Int64, hash: Data)? = nil) throws -> Int64 {
        var row = row
        let last = try Row.fetchOne(db, sql: "SELECT seq, hash FROM entry ORDER BY seq DESC LIMIT 1")
            .map { row in
                let seq: Int64 = try row.required(0, "seq")
                return (seq: seq, hash: try row.required(1, "hash", seq: seq) as Data)
            } ?? emptyTableAnchor ?? (seq: 0, hash: Schema.genesisHash)
        row.seq = last.seq + 1
        row.prevHash = last.hash
        row.hash = row.computedHash()
        try db.execute(sql: StoredRow.insertSQL, arguments: [row.seq] + row.arguments)
        for reason in Set(row.reasons.split(separator: ",")) {
            try db.execute(sql: "INSERT INTO entry_reason (reason, seq) VALUES (?, ?)", arguments: [String(reason), row.seq])
        }
        return row.seq
    }

    private func write<T>(_ body: (Database) throws -> T) throws(EntryLogError) -> T {
        do { return try queue.write(body) } catch { throw EntryLogError.map(error, path: path) }
    }

    private func read<T>(_ body: (Database) throws -> T) throws(EntryLogError) -> T {
        do { return try queue.read(body) } catch { throw EntryLogError.map(error, path: path) }
    }
}
