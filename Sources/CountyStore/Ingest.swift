import EntryLog
import Foundation
import PostgresNIO

/// The county's answer to a batch: what the uplink stores as its watermark.
public struct IngestAnswer: Sendable, Equatable {
    /// Highest seq up to which the county holds the gate's chain without a gap or a broken link.
    public var contiguousSeq: Int64
    /// Highest seq received at all (merged or held apart): the uplink continues after it.
    public var receivedSeq: Int64
    /// "ok", or "broken": later rows are held in quarantine.
    public var chainStatus: String

    public init(contiguousSeq: Int64, receivedSeq: Int64, chainStatus: String) {
        self.contiguousSeq = contiguousSeq
        self.receivedSeq = receivedSeq
        self.chainStatus = chainStatus
    }
}

/// What the uplink reports about its gate with each heartbeat.
public struct GateHeartbeat: Sendable, Equatable {
    public var gateID: String
    public var venue: String?
    public var venueKind: String?
    public var address: String?
    public var approvedCapacity: Int?
    public var anchorKey: String?
    public var status: String
    public var lagRows: Int64
    public var bundleVersion: Int?
    public var intervalSeconds: Int

    public init(gateID: String, venue: String?, venueKind: String?, address: String?, approvedCapacity: Int?,
                anchorKey: String?, status: String, lagRows: Int64, bundleVersion: Int?, intervalSeconds: Int) {
        self.gateID = gateID; self.venue = venue; self.venueKind = venueKind; self.address = address
        self.approvedCapacity = approvedCapacity; self.anchorKey = anchorKey; self.status = status
        self.lagRows = lagRows; self.bundleVersion = bundleVersion; self.intervalSeconds = intervalSeconds
    }
}

/// One signed chain head as the county stores it (the gate's anchors.jsonl line).
public struct ShippedAnchor: Sendable, Equatable {
    public var seq: Int64
    public var hashHex: String
    public var rowTime: Double
    public var writtenAt: Double
    public var publicKey: String
    public var signature: String

    public init(seq: Int64, hashHex: String, rowTime: Double, writtenAt: Double, publicKey: String, signature: String) {
        self.seq = seq; self.hashHex = hashHex; self.rowTime = rowTime; self.writtenAt = writtenAt
        self.publicKey = publicKey; self.signature = signature
    }
}

/// A row plus whether its stored hash matches its content, in the county's ingest format.
struct ShippedRow: Encodable {
    let row: ChainRow
    let contentMatches: Bool
    enum Keys: String, CodingKey { case contentMatches = "content_matches" }
    func encode(to encoder: any Encoder) throws {
        try row.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(contentMatches, forKey: .contentMatches)
    }
}

extension CountyDatabase {
    /// One batch read from the gate's log (EntryLogReader.chainRows).
    public func ingest(gateID: String, rows: [(row: ChainRow, hashMatches: Bool)]) async throws -> IngestAnswer {
        let data = try JSONEncoder().encode(rows.map { ShippedRow(row: $0.row, contentMatches: $0.hashMatches) })
        return try await ingest(gateID: gateID, rowsJSON: String(decoding: data, as: UTF8.self))
    }

    /// One batch, one statement: `rowsJSON` is a JSON array of rows with the entries' column names (ChainRow's
    /// encoding) plus `content_matches`. The function commits or rolls back as a whole.
    public func ingest(gateID: String, rowsJSON: String) async throws -> IngestAnswer {
        let rows = try await query("""
            SELECT contiguous_seq, received_seq, chain_status FROM county_ingest(\(gateID), \(rowsJSON)::jsonb)
            """)
        for try await (contiguous, received, status) in rows.decode((Int64, Int64, String).self) {
            return IngestAnswer(contiguousSeq: contiguous, receivedSeq: received, chainStatus: status)
        }
        throw CountyError("county_ingest returned no row")
    }

    /// Where the county stands for a gate; nil before its first row.
    public func position(gateID: String) async throws -> IngestAnswer? {
        let rows = try await query("SELECT contiguous_seq, received_seq, chain_status FROM gates WHERE gate_id = \(gateID)")
        for try await (contiguous, received, status) in rows.decode((Int64, Int64, String).self) {
            return IngestAnswer(contiguousSeq: contiguous, receivedSeq: received, chainStatus: status)
        }
        return nil
    }

    public func heartbeat(_ beat: GateHeartbeat) async throws {
        try await query("""
            INSERT INTO gates (gate_id, venue, venue_kind, address, approved_capacity, anchor_key, last_heartbeat,
                               heartbeat_interval_s, last_status, lag_rows, bundle_version)
            VALUES (\(beat.gateID), \(beat.venue), \(beat.venueKind), \(beat.address), \(beat.approvedCapacity),
                    \(beat.anchorKey), now(), \(beat.intervalSeconds), \(beat.status), \(beat.lagRows), \(beat.bundleVersion))
            ON CONFLICT (gate_id) DO UPDATE SET venue = excluded.venue, venue_kind = excluded.venue_kind,
                address = excluded.address, approved_capacity = excluded.approved_capacity,
                anchor_key = coalesce(excluded.anchor_key, gates.anchor_key), last_heartbeat = excluded.last_heartbeat,
                heartbeat_interval_s = excluded.heartbeat_interval_s, last_status = excluded.last_status,
                lag_rows = excluded.lag_rows, bundle_version = excluded.bundle_version
            """)
        try await query("""
            INSERT INTO heartbeats (gate_id, at, status, lag_rows, bundle_version)
            VALUES (\(beat.gateID), now(), \(beat.status), \(beat.lagRows), \(beat.bundleVersion)) ON CONFLICT DO NOTHING
            """)
    }

    /// Stores anchors; those the county already holds are skipped. Returns how many were new.
    @discardableResult
    public func storeAnchors(gateID: String, _ anchors: [ShippedAnchor]) async throws -> Int {
        var added = 0
        for anchor in anchors {
            let rows = try await query("""
                INSERT INTO anchors (gate_id, seq, hash, row_time, written_at, public_key, signature)
                VALUES (\(gateID), \(anchor.seq), decode(\(anchor.hashHex), 'hex'), \(anchor.rowTime), \(anchor.writtenAt),
                        \(anchor.publicKey), \(anchor.signature))
                ON CONFLICT DO NOTHING RETURNING 1
                """)
            for try await _ in rows.decode(Int.self) { added += 1 }
        }
        return added
    }
}

extension CountyDatabase {
    /// The benchmark's baseline: the same rows into a plain copy of entries, no chain checks, no gate lock.
    public func rawInsertForBenchmark(rows: [(row: ChainRow, hashMatches: Bool)]) async throws {
        let data = try JSONEncoder().encode(rows.map { ShippedRow(row: $0.row, contentMatches: $0.hashMatches) })
        try await query("""
            INSERT INTO raw_baseline (gate_id, seq, time, utc_offset, kind, decision, reasons, masked_name, subject_id,
                                      clock_synced, rules, prev_hash, hash)
            SELECT gate_id, seq, time, utc_offset, kind, decision, reasons, masked_name, subject_id, clock_synced, rules,
                   decode(prev_hash, 'hex'), decode(hash, 'hex')
            FROM jsonb_to_recordset(\(String(decoding: data, as: UTF8.self))::jsonb) AS x(gate_id text, seq bigint,
                 time float8, utc_offset integer, kind text, decision text, reasons text, masked_name text, subject_id text,
                 clock_synced bigint, rules text, prev_hash text, hash text)
            """)
    }

    /// The trace benchmark's baseline: only the case's own visits (one index range scan).
    public func subjectVisitsForBenchmark(subjectID: String) async throws -> Int {
        var count = 0
        for try await _ in try await query("SELECT seq FROM entries WHERE subject_id = \(subjectID)").decode(Int64.self) { count += 1 }
        return count
    }
}
