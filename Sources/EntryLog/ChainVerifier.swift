#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GRDB

/// The first place where the stored chain disagrees with itself.
public enum ChainProblem: Sendable, Equatable, CustomStringConvertible {
    /// The row's content no longer hashes to its stored hash (or its hash was rewritten, breaking the next link).
    case changed(seq: Int64)
    /// Rows are missing between two rows (`afterSeq` nil: at the start, with no purge checkpoint covering them).
    case removed(afterSeq: Int64?, beforeSeq: Int64)
    /// The row does not belong to the chain: its neighbours link to each other around it.
    case inserted(seq: Int64)

    public var description: String {
        switch self {
        case .changed(let seq): return "row \(seq) was changed"
        case .removed(nil, let before): return "rows before row \(before) were removed (no purge checkpoint covers them)"
        case .removed(let after?, let before): return "rows between row \(after) and row \(before) were removed"
        case .inserted(let seq): return "row \(seq) was inserted"
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
    public var isValid: Bool { problem == nil }
}

enum ChainVerifier {
    private struct Link { var seq: Int64; var hash: Data }

    static func verify(_ db: Database) throws -> ChainReport {
        // The latest checkpoint says where the chain legitimately starts after retention purges.
        let checkpoint = try Row.fetchOne(db, sql: """
            SELECT checkpoint_through_seq, checkpoint_hash FROM entry
            WHERE checkpoint_through_seq IS NOT NULL ORDER BY seq DESC LIMIT 1
            """)
        let startSeq: Int64 = (try checkpoint?.optional(0, "checkpoint_through_seq") as Int64?).map { $0 + 1 } ?? 1
        let startHash: Data = (try checkpoint?.optional(1, "checkpoint_hash") as Data?) ?? Schema.genesisHash
        var report = ChainReport(rowsChecked: 0, headSeq: nil, headHash: nil,
                                 startsAfterSeq: checkpoint == nil ? nil : startSeq - 1, problem: nil)
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
            before = previous
            previous = link
        }
        if let suspect {
            report.problem = resolve(suspect.link, contentChanged: suspect.contentChanged, before: before, nextLinksAround: false)
        }
        return report
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

extension Data {
    var hex: String {
        let digits = Array("0123456789abcdef")
        var out = ""
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return out
    }
}
