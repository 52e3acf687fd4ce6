#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GRDB

/// A row with every stored column, as the county uplink ships it: the county keeps the gate's chain
/// (prev_hash, hash) so it can check continuity and later re-check the hashes. Hashes are hex.
public struct ChainRow: Sendable, Equatable, Codable {
    public var seq: Int64
    public var gateID: String
    public var time: Double
    public var utcOffset: Int64
    public var kind: String
    public var decision: String
    public var reasons: String
    public var event: String?
    public var format: String?
    public var issuer: String?
    public var colour: String?
    public var maskedName: String?
    public var maskedID: String?
    public var subjectID: String?
    public var natAgeHours: Double?
    public var vaccinationDoses: Int64?
    public var temperature: Double?
    public var remeasuredTemperature: Double?
    public var occupancyAfter: Int64?
    public var clockSynced: Int64
    public var fingerprint: String?
    public var rules: String
    public var detail: String?
    public var checkpointThroughSeq: Int64?
    public var checkpointCount: Int64?
    public var checkpointHash: String?
    public var prevHash: String
    public var hash: String

    /// The county's column names (its ingest function reads these keys).
    enum CodingKeys: String, CodingKey {
        case seq, gateID = "gate_id", time, utcOffset = "utc_offset", kind, decision, reasons, event, format, issuer
        case colour, maskedName = "masked_name", maskedID = "masked_id", subjectID = "subject_id"
        case natAgeHours = "nat_age_hours", vaccinationDoses = "vaccination_doses", temperature
        case remeasuredTemperature = "remeasured_temperature", occupancyAfter = "occupancy_after"
        case clockSynced = "clock_synced", fingerprint, rules, detail
        case checkpointThroughSeq = "checkpoint_through_seq", checkpointCount = "checkpoint_count"
        case checkpointHash = "checkpoint_hash", prevHash = "prev_hash", hash
    }

    init(_ row: StoredRow) {
        seq = row.seq; gateID = row.gateID; time = row.time; utcOffset = row.utcOffset; kind = row.kind
        decision = row.decision; reasons = row.reasons; event = row.event; format = row.format; issuer = row.issuer
        colour = row.colour; maskedName = row.maskedName; maskedID = row.maskedID; subjectID = row.subjectID
        natAgeHours = row.natAgeHours; vaccinationDoses = row.vaccinationDoses; temperature = row.temperature
        remeasuredTemperature = row.remeasuredTemperature; occupancyAfter = row.occupancyAfter
        clockSynced = row.clockSynced; fingerprint = row.fingerprint; rules = row.rules; detail = row.detail
        checkpointThroughSeq = row.checkpointThroughSeq; checkpointCount = row.checkpointCount
        checkpointHash = row.checkpointHash?.hex; prevHash = row.prevHash.hex; hash = row.hash.hex
    }
}

extension EntryLogReader {
    /// Up to `limit` rows after `seq`, oldest first, with their chain columns, and whether each row's stored hash
    /// matches its content (false: the row was edited in place; the uplink still ships it, the county flags it).
    public func chainRows(after seq: Int64, limit: Int) throws(EntryLogError) -> [(row: ChainRow, hashMatches: Bool)] {
        try readDatabase { db in
            try Row.fetchAll(db, sql: "SELECT \(StoredRow.columns) FROM entry WHERE seq > ? ORDER BY seq LIMIT ?",
                             arguments: [seq, limit]).map { row in
                let stored = try StoredRow(row: row)
                return (ChainRow(stored), stored.computedHash() == stored.hash)
            }
        }
    }
}
