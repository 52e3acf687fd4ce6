#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GRDB

/// The first anchor the log does not satisfy. `line` is the anchor's line in the file.
public enum AnchorProblem: Sendable, Equatable, CustomStringConvertible {
    /// The file holds no anchor at all.
    case empty
    /// The line is not an anchor of a version this build knows.
    case unreadable(line: Int)
    /// The signature does not match the anchor's content: the line was edited.
    case badSignature(line: Int)
    /// Signed by another key than the expected one (`--anchor-key`) or than the file's first anchor.
    case otherKey(line: Int)
    /// An anchor of another gate.
    case otherGate(line: Int, gate: String)
    /// The log ends before the anchored row: its newest rows were removed (or the file was replaced).
    case truncated(line: Int, seq: Int64, headSeq: Int64?)
    /// The anchored row is there with another hash: it, or a row before it, was rewritten.
    case rowDiffers(line: Int, seq: Int64)
    /// The anchored row is missing and no purge covers it.
    case rowMissing(line: Int, seq: Int64)
    /// The anchored row was purged, but it is not older than the purge's cut-off: the purge was forged.
    case purgedTooRecent(line: Int, seq: Int64)

    public var description: String {
        switch self {
        case .empty: return "the anchor file holds no anchor"
        case .unreadable(let line): return "anchor line \(line) is not an anchor this version understands"
        case .badSignature(let line): return "anchor line \(line) has a bad signature: the line was edited"
        case .otherKey(let line): return "anchor line \(line) is signed by another key"
        case .otherGate(let line, let gate): return "anchor line \(line) is for gate \(gate), not this log's gate"
        case .truncated(let line, let seq, let head):
            return "the log ends at row \(head.map(String.init) ?? "none") but anchor line \(line) names row \(seq): its newest rows were removed"
        case .rowDiffers(let line, let seq): return "row \(seq) differs from anchor line \(line): it or an earlier row was rewritten"
        case .rowMissing(let line, let seq): return "row \(seq), named by anchor line \(line), is missing and no purge covers it"
        case .purgedTooRecent(let line, let seq):
            return "row \(seq), named by anchor line \(line), was purged though it is newer than the purge's cut-off: a forged purge"
        }
    }
}

/// What `gatectl verify --anchor FILE` checked.
public struct AnchorReport: Sendable, Equatable {
    public var file: String
    public var anchorsChecked: Int
    /// The newest anchor (the one that pins the most rows) and its line.
    public var newest: AnchorEntry?
    public var newestLine: Int?
    /// The key the anchors are signed with (public, hex).
    public var publicKey: String?
    /// A last line cut short (a power cut while it was written): left out.
    public var tornLastLine: Bool
    public var problem: AnchorProblem?
    public var isValid: Bool { problem == nil }
}

enum AnchorVerifier {
    /// Checks every anchor in `file` against the log: each anchored row must be present with the anchored hash,
    /// unless the latest purge legitimately covers it (the anchored row's time is before the purge's cut-off).
    static func verify(_ db: Database, file: String, expectedKey: String?) throws -> AnchorReport {
        guard let (lines, torn) = try AnchorFile.read(file) else {
            throw EntryLogError.anchor(path: file, detail: "no such file")
        }
        return try verify(db, lines: lines, torn: torn, file: file, expectedKey: expectedKey)
    }

    static func verify(_ db: Database, lines: [AnchorFile.Line], torn: Bool, file: String, expectedKey: String?) throws -> AnchorReport {
        var report = AnchorReport(file: file, anchorsChecked: 0, newest: nil, newestLine: nil,
                                  publicKey: expectedKey?.lowercased(), tornLastLine: torn, problem: nil)
        let head = try Row.fetchOne(db, sql: "SELECT seq, gate_id FROM entry ORDER BY seq DESC LIMIT 1")
        let headSeq: Int64? = try head?.optional(0, "seq")
        let gateID: String? = try head?.optional(1, "gate_id", seq: headSeq)
        let checkpoint = try Row.fetchOne(db, sql: """
            SELECT checkpoint_through_seq, time, detail, seq FROM entry WHERE checkpoint_through_seq IS NOT NULL
            ORDER BY seq DESC LIMIT 1
            """)
        let checkpointSeq: Int64? = try checkpoint?.optional(3, "seq")
        let purgedThrough: Int64 = try checkpoint?.optional(0, "checkpoint_through_seq", seq: checkpointSeq) ?? 0
        // A claim that does not parse covers nothing (verifyChain reports the purge row itself).
        let cutoff: Double? = try checkpoint.flatMap { row in
            PurgeClaim.parse(try row.optional(2, "detail", seq: checkpointSeq), time: try row.required(1, "time", seq: checkpointSeq))?.cutoff
        }
        func fail(_ problem: AnchorProblem) -> AnchorReport { report.problem = problem; return report }
        for line in lines {
            guard let anchor = line.entry, anchor.version == AnchorEntry.version else { return fail(.unreadable(line: line.number)) }
            guard anchor.signatureIsValid else { return fail(.badSignature(line: line.number)) }
            if report.publicKey == nil { report.publicKey = anchor.publicKey.lowercased() }
            guard anchor.publicKey.lowercased() == report.publicKey else { return fail(.otherKey(line: line.number)) }
            if let gateID, anchor.gateID != gateID { return fail(.otherGate(line: line.number, gate: anchor.gateID)) }
            report.anchorsChecked += 1
            if anchor.seq >= report.newest?.seq ?? Int64.min { report.newest = anchor; report.newestLine = line.number }
            guard let headSeq, anchor.seq <= headSeq else {
                return fail(.truncated(line: line.number, seq: anchor.seq, headSeq: headSeq))
            }
            if let stored = try Data.fetchOne(db, sql: "SELECT hash FROM entry WHERE seq = ?", arguments: [anchor.seq]) {
                guard stored.hex == anchor.hash.lowercased() else { return fail(.rowDiffers(line: line.number, seq: anchor.seq)) }
            } else if anchor.seq <= purgedThrough {
                guard let cutoff, anchor.rowTime < cutoff else { return fail(.purgedTooRecent(line: line.number, seq: anchor.seq)) }
            } else {
                return fail(.rowMissing(line: line.number, seq: anchor.seq))
            }
        }
        if report.anchorsChecked == 0 { return fail(.empty) }
        return report
    }

    /// The daemon's check at open, against the last anchor this gate wrote: the log must still hold the anchored
    /// row (or have purged it) and must not end before it. Returns what is wrong, or nil.
    static func continuityProblem(_ db: Database, last anchor: AnchorEntry) throws -> String? {
        let anchored = "the last anchor (written \(utcText(anchor.writtenAt))) names row \(anchor.seq)"
        guard try db.tableExists("entry") else { return "it is a new, empty database, but \(anchored)" }
        guard let headSeq = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM entry") else {
            return "it holds no rows, but \(anchored)"
        }
        guard headSeq >= anchor.seq else {
            return "it ends at row \(headSeq), but \(anchored): rows were lost (a deleted -wal file, an old copy restored) or removed"
        }
        if let stored = try Data.fetchOne(db, sql: "SELECT hash FROM entry WHERE seq = ?", arguments: [anchor.seq]) {
            return stored.hex == anchor.hash.lowercased() ? nil : "row \(anchor.seq) differs from \(anchored)"
        }
        let purgedThrough = try Int64.fetchOne(db, sql: "SELECT max(checkpoint_through_seq) FROM entry") ?? 0
        return anchor.seq <= purgedThrough ? nil : "row \(anchor.seq) is missing, and \(anchored)"
    }
}
