#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GateCore
import GRDB

/// The first place where the stored chain disagrees with itself.
public enum ChainProblem: Sendable, Equatable, CustomStringConvertible {
    /// The row's content no longer hashes to its stored hash (or its hash was rewritten, breaking the next link).
    case changed(seq: Int64)
    /// Rows are missing between two rows (`afterSeq` nil: at the start, with no purge checkpoint covering them).
    case removed(afterSeq: Int64?, beforeSeq: Int64)
    /// The row does not belong to the chain: its neighbours link to each other around it.
    case inserted(seq: Int64)
    /// A purge checkpoint whose own claim does not hold (see `PurgeFlaw`): it may hide rows it had no right to delete.
    case purgeUnprovable(seq: Int64, flaw: PurgeFlaw)
    /// `entry_reason` (the `--reason` index, outside the chain) disagrees with the row's chained `reasons`:
    /// rows were inserted into or deleted from it. `seq` is the first row whose index entries differ.
    case reasonIndex(seq: Int64)

    public var description: String {
        switch self {
        case .changed(let seq): return "row \(seq) was changed"
        case .removed(nil, let before): return "rows before row \(before) were removed (no purge checkpoint covers them)"
        case .removed(let after?, let before): return "rows between row \(after) and row \(before) were removed"
        case .inserted(let seq): return "row \(seq) was inserted"
        case .purgeUnprovable(let seq, let flaw): return "purge row \(seq) is not a provable retention purge: \(flaw)"
        case .reasonIndex(let seq):
            return "the reason index (entry_reason) disagrees with row \(seq): `log --reason` and export were misled"
        }
    }
}

/// Why a purge checkpoint's claim does not hold.
public enum PurgeFlaw: Sendable, Equatable, CustomStringConvertible {
    /// Its detail does not state retention and cut-off (or it is not an `event = purge` row).
    case noClaim
    /// The retention it states is below the minimum (1 day, the smallest `log.retention_days`, or `--min-retention-days`).
    case retentionBelowMinimum(retentionSeconds: Int64, minimumSeconds: Int64)
    /// Its time minus its retention is not its cut-off, or its counts disagree with its checkpoint columns.
    case inconsistent
    /// The first row it kept is older than its cut-off: an honest purge deletes up to the first row at or after it.
    case keptRowOlderThanCutoff(seq: Int64)
    /// It is dated later than the time of the check.
    case inTheFuture

    public var description: String {
        switch self {
        case .noClaim: return "it does not state the retention and cut-off it applied"
        case .retentionBelowMinimum(let retention, let minimum):
            return "it claims a retention of \(retention) s, below the minimum of \(minimum) s"
        case .inconsistent: return "its time, retention, cut-off and counts do not agree"
        case .keptRowOlderThanCutoff(let seq): return "row \(seq), which it kept, is older than its cut-off"
        case .inTheFuture: return "it is dated in the future"
        }
    }
}

public struct ChainReport: Sendable, Equatable {
    public var rowsChecked: Int
    /// The last row's seq and hash (hex): publish it (the daily report prints it) to anchor the chain.
    public var headSeq: Int64?
    public var headHash: String?
    /// The purge checkpoint the chain starts from, if rows were purged.
    public var startsAfterSeq: Int64?
    public var problem: ChainProblem?
    /// The cut-off the latest purge states: anchored rows older than it may be gone.
    public var cutoff: Double?
    public var isValid: Bool { problem == nil }
}

enum ChainVerifier {
    private struct Link { var seq: Int64; var hash: Data }
    /// The smallest `log.retention_days` the daemon accepts: no honest purge used less.
    static let minimumRetentionSeconds: Int64 = 86_400

    /// `minimumRetentionSeconds`: what every purge's stated retention must reach; `now`: purges dated later
    /// (beyond an hour of clock difference between the board and the checking machine) are refused.
    static func verify(_ db: Database, minimumRetentionSeconds: Int64 = minimumRetentionSeconds,
                       now: Double = Date().timeIntervalSince1970) throws -> ChainReport {
        // The latest checkpoint says where the chain legitimately starts after retention purges.
        let checkpoint = try Row.fetchOne(db, sql: """
            SELECT checkpoint_through_seq, checkpoint_hash, seq FROM entry
            WHERE checkpoint_through_seq IS NOT NULL ORDER BY seq DESC LIMIT 1
            """)
        let startSeq: Int64 = (try checkpoint?.optional(0, "checkpoint_through_seq") as Int64?).map { $0 + 1 } ?? 1
        let startHash: Data = (try checkpoint?.optional(1, "checkpoint_hash") as Data?) ?? Schema.genesisHash
        let checkpointSeq: Int64? = try checkpoint?.optional(2, "seq")
        var latestCutoff: Double?
        var reasonIndex = try ReasonIndexCursor(db)
        var reasonMismatch: Int64?
        var report = ChainReport(rowsChecked: 0, headSeq: nil, headHash: nil,
                                 startsAfterSeq: checkpoint == nil ? nil : startSeq - 1, problem: nil, cutoff: nil)
        var before: Link?, previous: Link?
        // A row that looks wrong; the next row tells whether it was inserted (the next row links around it),
        // changed, or whether rows before it were removed.
        var suspect: (link: Link, contentChanged: Bool)?
        let rows = try Row.fetchCursor(db, sql: "SELECT \(StoredRow.columns) FROM entry ORDER BY seq")
        while let raw = try rows.next() {
            let row: StoredRow
            do {
                row = try StoredRow(row: raw)
            } catch let corrupt as CorruptValue {
                // The writer never stores a wrong-typed value: the row was edited.
                report.rowsChecked += 1
                report.problem = .changed(seq: corrupt.seq ?? (previous?.seq ?? startSeq - 1) + 1)
                return report
            }
            report.rowsChecked += 1
            let link = Link(seq: row.seq, hash: row.hash)
            report.headSeq = row.seq
            report.headHash = row.hash.hex
            if let suspect {
                report.problem = resolve(suspect.link, contentChanged: suspect.contentChanged, before: before,
                                         nextLinksAround: before != nil && row.prevHash == before?.hash)
                return report
            }
            if let previous {
                if row.computedHash() != row.hash {
                    suspect = (link, true)
                } else if row.prevHash != previous.hash {
                    if let before, row.prevHash == before.hash { report.problem = .inserted(seq: previous.seq); return report }
                    suspect = (link, false)
                }
            } else if row.computedHash() != row.hash {
                report.problem = .changed(seq: row.seq)
                return report
            } else if row.seq != startSeq || row.prevHash != startHash {
                report.problem = .removed(afterSeq: checkpoint == nil ? nil : startSeq - 1, beforeSeq: row.seq)
                return report
            }
            if suspect == nil {
                if row.checkpointThroughSeq != nil, let flaw = purgeFlaw(row, minimumRetentionSeconds: minimumRetentionSeconds, now: now) {
                    report.problem = .purgeUnprovable(seq: row.seq, flaw: flaw)
                    return report
                }
                if row.seq == checkpointSeq { latestCutoff = PurgeClaim.parse(row.detail, time: row.time)?.cutoff }
                // Said only when the chain itself is intact: a broken chain is the graver finding.
                if reasonMismatch == nil { reasonMismatch = try reasonIndex.firstMismatch(upTo: row) }
            }
            before = previous
            previous = link
        }
        if let suspect {
            report.problem = resolve(suspect.link, contentChanged: suspect.contentChanged, before: before, nextLinksAround: false)
        } else if let seq = reasonMismatch ?? reasonIndex.leftover(headSeq: report.headSeq) {
            report.problem = .reasonIndex(seq: seq)
        } else if let firstKept = report.startsAfterSeq.map({ $0 + 1 }), firstKept != checkpointSeq,
                  let cutoff = latestCutoff, let firstTime = try Double.fetchOne(db, sql: "SELECT time FROM entry WHERE seq = ?",
                                                                                arguments: [firstKept]), firstTime < cutoff {
            // The purge deleted up to the first row at or after its cut-off; an older first row means the
            // cut-off was inflated (to make rows newer than the retention look legitimately purged).
            report.problem = .purgeUnprovable(seq: checkpointSeq ?? firstKept, flaw: .keptRowOlderThanCutoff(seq: firstKept))
        }
        report.cutoff = latestCutoff
        return report
    }

    /// What is wrong with a checkpoint row's claim, if anything. Only the row's own (hashed) content is used.
    private static func purgeFlaw(_ row: StoredRow, minimumRetentionSeconds: Int64, now: Double) -> PurgeFlaw? {
        guard row.event == "purge", let claim = PurgeClaim.parse(row.detail, time: row.time) else { return .noClaim }
        guard claim.retentionSeconds >= minimumRetentionSeconds else {
            return .retentionBelowMinimum(retentionSeconds: claim.retentionSeconds, minimumSeconds: minimumRetentionSeconds)
        }
        // One second of slack: the legacy form states a whole-second cut-off.
        guard abs(row.time - Double(claim.retentionSeconds) - claim.cutoff) <= 1, claim.throughSeq == row.checkpointThroughSeq,
              claim.deleted == row.checkpointCount, claim.throughSeq < row.seq else { return .inconsistent }
        guard row.time <= now + 3600 else { return .inTheFuture }
        return nil
    }

    /// `suspect` failed its own hash (`contentChanged`) or its link to `before`, the row preceding it.
    private static func resolve(_ suspect: Link, contentChanged: Bool, before: Link?, nextLinksAround: Bool) -> ChainProblem {
        if nextLinksAround { return .inserted(seq: suspect.seq) }
        if contentChanged { return .changed(seq: suspect.seq) }
        guard let before else { return .removed(afterSeq: nil, beforeSeq: suspect.seq) }
        // No gap in the numbering: the previous row's hash was rewritten along with its content.
        if suspect.seq == before.seq + 1 { return .changed(seq: before.seq) }
        return .removed(afterSeq: before.seq, beforeSeq: suspect.seq)
    }
}

/// Streams `entry_reason` in seq order beside the chain walk: each walked row's index entries must be exactly
/// its chained `reasons`, and no entry may name a row that is not in the chain.
private struct ReasonIndexCursor {
    private let cursor: RowCursor
    private var pending: (seq: Int64, reason: String)?
    private var pendingCorrupt = false

    init(_ db: Database) throws {
        cursor = try Row.fetchCursor(db, sql: "SELECT seq, reason FROM entry_reason ORDER BY seq, reason")
        try advance()
    }

    private mutating func advance() throws {
        guard let row = try cursor.next() else { pending = nil; return }
        do {
            let seq: Int64 = try row.required(0, "seq")
            pending = (seq, try row.required(1, "reason", seq: seq))
        } catch is CorruptValue {
            pendingCorrupt = true
            pending = (Int64.min, "")
        }
    }

    /// The first seq at or before `row` where the index and the row disagree, or nil.
    mutating func firstMismatch(upTo row: StoredRow) throws -> Int64? {
        if pendingCorrupt { return row.seq }
        if let pending, pending.seq < row.seq { return pending.seq }
        var indexed: Set<Substring> = []
        while let pending, pending.seq == row.seq {
            indexed.insert(Substring(pending.reason))
            try advance()
            if pendingCorrupt { return row.seq }
        }
        if indexed.isEmpty && row.reasons.isEmpty { return nil }
        return indexed == Set(row.reasons.split(separator: ",")) ? nil : row.seq
    }

    /// An index entry after the last row (`headSeq`); a wrong-typed one is reported at the head.
    func leftover(headSeq: Int64?) -> Int64? { pendingCorrupt ? headSeq ?? 0 : pending?.seq }
}

extension Data {
    var hex: String { Hex.encode(self) }
}
