#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a `purge` row claims, read from its `detail` (which the chain covers): the retention in force and the
/// cut-off it implies. Kept in `detail` rather than new columns so the hash encoding (version 1) and every
/// existing log stay as they are.
///
/// Format (space-separated `key=value`, documented in docs/entry-log.md):
/// `retention_s=2419200 cutoff=1795910640.25 deleted=4 through_seq=4`. The cut-off is Swift's shortest
/// round-trip decimal form of the exact `Double` compared with row times, so the verifier reads the same value.
/// Rows written before this format say `retention: deleted 4 rows older than 1795910640 (epoch s), through seq 4`;
/// their retention is the row's time minus that whole-second cut-off.
struct PurgeClaim: Equatable, Sendable {
    var retentionSeconds: Int64
    var cutoff: Double
    var deleted: Int64
    var throughSeq: Int64

    var detail: String {
        "retention_s=\(retentionSeconds) cutoff=\(cutoff) deleted=\(deleted) through_seq=\(throughSeq)"
    }

    /// The claim of a purge row written at `time`, or nil when its detail is in neither form.
    static func parse(_ detail: String?, time: Double) -> PurgeClaim? {
        guard let detail else { return nil }
        var fields: [Substring: Substring] = [:]
        for pair in detail.split(separator: " ") {
            guard let equals = pair.firstIndex(of: "=") else { continue }
            fields[pair[..<equals]] = pair[pair.index(after: equals)...]
        }
        if let retention = fields["retention_s"].flatMap({ Int64($0) }), let cutoff = fields["cutoff"].flatMap({ Double($0) }),
           let deleted = fields["deleted"].flatMap({ Int64($0) }), let through = fields["through_seq"].flatMap({ Int64($0) }),
           cutoff.isFinite {
            return PurgeClaim(retentionSeconds: retention, cutoff: cutoff, deleted: deleted, throughSeq: through)
        }
        // Legacy: "retention: deleted N rows older than C (epoch s), through seq S".
        let words = detail.split(separator: " ")
        guard words.count == 12, words[0] == "retention:", words[1] == "deleted", let deleted = Int64(words[2]),
              words[5] == "than", let cutoff = Int64(words[6]), let through = Int64(words[11]) else { return nil }
        return PurgeClaim(retentionSeconds: Int64((time - Double(cutoff)).rounded()), cutoff: Double(cutoff),
                          deleted: deleted, throughSeq: through)
    }
}
