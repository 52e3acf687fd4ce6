#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Crypto
import GateCore
import GRDB

/// The versioned schema. Migrations are append-only: never edit a registered one, add the next.
enum Schema {
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-entry") { db in
            // One row per attempt or event. `seq` is the storage order and the order of the hash chain.
            // Columns hold exactly what EntryRecord holds (masked data only) plus gate, offset and chain.
            try db.execute(sql: """
                CREATE TABLE entry (
                    seq INTEGER PRIMARY KEY,
                    gate_id TEXT NOT NULL,
                    time REAL NOT NULL,
                    utc_offset INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    decision TEXT NOT NULL,
                    reasons TEXT NOT NULL,
                    event TEXT,
                    format TEXT,
                    issuer TEXT,
                    colour TEXT,
                    masked_name TEXT,
                    masked_id TEXT,
                    subject_id TEXT,
                    nat_age_hours REAL,
                    vaccination_doses INTEGER,
                    temperature REAL,
                    remeasured_temperature REAL,
                    occupancy_after INTEGER,
                    clock_synced INTEGER NOT NULL,
                    fingerprint TEXT,
                    rules TEXT NOT NULL,
                    detail TEXT,
                    checkpoint_through_seq INTEGER,
                    checkpoint_count INTEGER,
                    checkpoint_hash BLOB,
                    prev_hash BLOB NOT NULL,
                    hash BLOB NOT NULL
                );
                CREATE INDEX entry_time ON entry(time);
                CREATE INDEX entry_subject ON entry(subject_id, time) WHERE subject_id IS NOT NULL;
                CREATE INDEX entry_fingerprint ON entry(fingerprint) WHERE fingerprint IS NOT NULL;
                -- One row per (reason, entry): `--reason X` reads only the rows that carry X.
                -- Derived from entry.reasons (which the chain covers); rebuilt, never trusted over it.
                CREATE TABLE entry_reason (
                    reason TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    PRIMARY KEY (reason, seq)
                ) WITHOUT ROWID;
                """)
        }
        return migrator
    }()

    static let latestMigration = "v1-entry"
    static let genesisHash = Data(repeating: 0, count: 32)
}

/// A row exactly as stored: the hash is computed over these column values, so the writer and the
/// verifier encode the same bytes.
struct StoredRow: Sendable, Equatable {
    var seq: Int64
    var gateID: String
    var time: Double
    var utcOffset: Int64
    var kind: String
    var decision: String
    var reasons: String
    var event: String?
    var format: String?
    var issuer: String?
    var colour: String?
    var maskedName: String?
    var maskedID: String?
    var subjectID: String?
    var natAgeHours: Double?
    var vaccinationDoses: Int64?
    var temperature: Double?
    var remeasuredTemperature: Double?
    var occupancyAfter: Int64?
    var clockSynced: Int64
    var fingerprint: String?
    var rules: String
    var detail: String?
    var checkpointThroughSeq: Int64?
    var checkpointCount: Int64?
    var checkpointHash: Data?
    var prevHash: Data
    var hash: Data

    static let columns = """
        seq, gate_id, time, utc_offset, kind, decision, reasons, event, format, issuer, colour, masked_name, \
        masked_id, subject_id, nat_age_hours, vaccination_doses, temperature, remeasured_temperature, \
        occupancy_after, clock_synced, fingerprint, rules, detail, checkpoint_through_seq, checkpoint_count, \
        checkpoint_hash, prev_hash, hash
        """

    /// Reads a row as stored; a value of the wrong type throws `CorruptValue` naming the row and column.
    init(row: Row) throws {
        let seq: Int64 = try row.required(0, "seq")
        func value<T: DatabaseValueConvertible>(_ index: Int, _ column: String) throws -> T { try row.required(index, column, seq: seq) }
        func optional<T: DatabaseValueConvertible>(_ index: Int, _ column: String) throws -> T? { try row.optional(index, column, seq: seq) }
        self.seq = seq
        gateID = try value(1, "gate_id")
        time = try value(2, "time")
        utcOffset = try value(3, "utc_offset")
        kind = try value(4, "kind")
        decision = try value(5, "decision")
        reasons = try value(6, "reasons")
        event = try optional(7, "event")
        format = try optional(8, "format")
        issuer = try optional(9, "issuer")
        colour = try optional(10, "colour")
        maskedName = try optional(11, "masked_name")
        maskedID = try optional(12, "masked_id")
        subjectID = try optional(13, "subject_id")
        natAgeHours = try optional(14, "nat_age_hours")
        vaccinationDoses = try optional(15, "vaccination_doses")
        temperature = try optional(16, "temperature")
        remeasuredTemperature = try optional(17, "remeasured_temperature")
        occupancyAfter = try optional(18, "occupancy_after")
        clockSynced = try value(19, "clock_synced")
        fingerprint = try optional(20, "fingerprint")
        rules = try value(21, "rules")
        detail = try optional(22, "detail")
        checkpointThroughSeq = try optional(23, "checkpoint_through_seq")
        checkpointCount = try optional(24, "checkpoint_count")
        checkpointHash = try optional(25, "checkpoint_hash")
        prevHash = try value(26, "prev_hash")
        hash = try value(27, "hash")
    }

    /// Builds the row for a record; the record has already passed `Privacy.sanitised`.
    init(record: EntryRecord, gateID: String, utcOffsetSeconds: Int) {
        seq = 0
        self.gateID = gateID
        time = record.time
        utcOffset = Int64(utcOffsetSeconds)
        kind = record.kind.rawValue
        decision = record.decision.rawValue
        reasons = record.reasons.map(\.rawValue).joined(separator: ",")
        event = record.event
        format = record.format?.rawValue
        issuer = record.issuer
        colour = record.colour?.rawValue
        maskedName = record.maskedName
        maskedID = record.maskedIDNumber
        subjectID = record.subjectID
        natAgeHours = record.nucleicAcidAgeHours
        vaccinationDoses = record.vaccinationDoses.map(Int64.init)
        temperature = record.temperature
        remeasuredTemperature = record.remeasuredTemperature
        occupancyAfter = record.occupancyAfter.map(Int64.init)
        clockSynced = record.clockSynchronised ? 1 : 0
        fingerprint = record.codeFingerprint
        rules = record.rules.joined(separator: "\n")
        detail = record.detail
        prevHash = Schema.genesisHash
        hash = Data()
    }

    var arguments: StatementArguments {
        [gateID, time, utcOffset, kind, decision, reasons, event, format, issuer, colour, maskedName, maskedID,
         subjectID, natAgeHours, vaccinationDoses, temperature, remeasuredTemperature, occupancyAfter, clockSynced,
         fingerprint, rules, detail, checkpointThroughSeq, checkpointCount, checkpointHash, prevHash, hash]
    }

    static let insertSQL = """
        INSERT INTO entry (seq, gate_id, time, utc_offset, kind, decision, reasons, event, format, issuer, colour, \
        masked_name, masked_id, subject_id, nat_age_hours, vaccination_doses, temperature, remeasured_temperature, \
        occupancy_after, clock_synced, fingerprint, rules, detail, checkpoint_through_seq, checkpoint_count, \
        checkpoint_hash, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
        """

    /// SHA-256(prev_hash || canonical content). `seq` is not part of the content: the chain itself
    /// orders the rows, so a renumbered insertion still shows as a broken link.
    func computedHash() -> Data {
        var hasher = SHA256()
        hasher.update(data: prevHash)
        hasher.update(data: canonicalContent())
        return Data(hasher.finalize())
    }

    /// Versioned, unambiguous encoding: each field is a type tag then a fixed-width or length-prefixed value.
    func canonicalContent() -> Data {
        var out = Data([1])
        func text(_ value: String?) {
            guard let value else { out.append(0); return }
            let bytes = Array(value.utf8)
            out.append(1)
            bigEndian(UInt64(bytes.count))
            out.append(contentsOf: bytes)
        }
        func real(_ value: Double?) {
            guard let value else { out.append(0); return }
            out.append(2)
            bigEndian(value.bitPattern)
        }
        func integer(_ value: Int64?) {
            guard let value else { out.append(0); return }
            out.append(3)
            bigEndian(UInt64(bitPattern: value))
        }
        func blob(_ value: Data?) {
            guard let value else { out.append(0); return }
            out.append(4)
            bigEndian(UInt64(value.count))
            out.append(value)
        }
        func bigEndian(_ value: UInt64) {
            withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
        }
        text(gateID); real(time); integer(utcOffset); text(kind); text(decision); text(reasons); text(event)
        text(format); text(issuer); text(colour); text(maskedName); text(maskedID); text(subjectID)
        real(natAgeHours); integer(vaccinationDoses); real(temperature); real(remeasuredTemperature)
        integer(occupancyAfter); integer(clockSynced); text(fingerprint); text(rules); text(detail)
        integer(checkpointThroughSeq); integer(checkpointCount); blob(checkpointHash)
        return out
    }

    var entry: LoggedEntry {
        let record = EntryRecord(
            time: time, kind: EntryRecord.Kind(rawValue: kind) ?? .event,
            decision: EntryRecord.Decision(rawValue: decision) ?? .none,
            reasons: reasons.split(separator: ",").compactMap { Reason(rawValue: String($0)) },
            event: event, format: format.flatMap(CodeFormat.init(rawValue:)), issuer: issuer,
            colour: colour.flatMap(CodeColour.init(rawValue:)), maskedName: maskedName, maskedIDNumber: maskedID,
            subjectID: subjectID, nucleicAcidAgeHours: natAgeHours, vaccinationDoses: vaccinationDoses.map { Int($0) },
            temperature: temperature, remeasuredTemperature: remeasuredTemperature,
            occupancyAfter: occupancyAfter.map { Int($0) }, clockSynchronised: clockSynced != 0,
            codeFingerprint: fingerprint, rules: rules.isEmpty ? [] : rules.split(separator: "\n").map(String.init),
            detail: detail)
        return LoggedEntry(seq: seq, gateID: gateID, utcOffsetSeconds: Int(utcOffset), record: record)
    }
}

/// A committed row as the queries return it.
public struct LoggedEntry: Sendable, Equatable, Codable {
    public var seq: Int64
    public var gateID: String
    /// The gate's offset from UTC when the row was written (local wall time = time + offset).
    public var utcOffsetSeconds: Int
    public var record: EntryRecord

    public init(seq: Int64, gateID: String, utcOffsetSeconds: Int, record: EntryRecord) {
        self.seq = seq
        self.gateID = gateID
        self.utcOffsetSeconds = utcOffsetSeconds
        self.record = record
    }
}
