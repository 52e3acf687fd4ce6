import Foundation
import PostgresNIO

/// One of the case's attempts: where and when the case was.
public struct TraceVisit: Sendable, Equatable, Codable {
    public var venue: String
    public var gateID: String
    public var seq: Int64
    public var time: Double
    public var utcOffset: Int
    public var decision: String
}

/// Someone admitted at the same venue within the window of one of the case's visits (时空伴随). Only what the gate
/// itself logs: masked name and id number, the subject pseudonym, the colour.
public struct TraceContact: Sendable, Equatable, Codable {
    public var venue: String
    public var gateID: String
    public var seq: Int64
    public var time: Double
    public var utcOffset: Int
    public var maskedName: String?
    public var maskedID: String?
    public var subjectID: String
    public var colour: String?
    public var decision: String
    /// Seconds from the case's visit (negative: before it).
    public var secondsFromCase: Double
}

public struct CountyTrace: Sendable, Equatable, Codable {
    public var subjectID: String
    public var visits: [TraceVisit]
    public var contacts: [TraceContact]
    /// Gates at the visited venues whose chain is broken: their later rows are held apart and not searched.
    public var brokenGates: [String]
}

public struct GateDay: Sendable, Equatable, Codable {
    public var gateID: String
    public var venue: String
    public var attempts: Int
    public var admitted: Int
    public var refused: Int
    public var overrides: Int
    public var exits: Int
    public var refusedByReason: [String: Int]
    public var fireAlarmOpenMinutes: Double
    public var unsyncedClockRows: Int
    /// Hours of the day without a heartbeat (gaps longer than two intervals); nil: no heartbeat that day.
    public var hoursOffline: Double?
    public var chainStatus: String
    public var chainDetail: String?
    public var heldApartRows: Int
}

public struct GateState: Sendable, Equatable, Codable {
    public var gateID: String
    public var venue: String?
    public var address: String?
    public var approvedCapacity: Int?
    public var lastHeartbeat: Double?
    public var secondsSilent: Double?
    public var status: String?
    public var lagRows: Int64?
    public var bundleVersion: Int?
    public var newestBundleVersion: Int?
    public var contiguousSeq: Int64
    public var receivedSeq: Int64
    public var chainStatus: String
    public var chainDetail: String?
    public var heldApartRows: Int
    public var anchors: Int
    /// Anchors naming a row the county holds with another hash: the gate's log was rewritten after anchoring.
    public var anchorsContradicted: Int
}

extension CountyDatabase {
    /// The subject a code fingerprint was logged with (trace --code).
    public func subjectID(forFingerprint fingerprint: String) async throws -> String? {
        let rows = try await query("""
            SELECT subject_id FROM entries WHERE fingerprint = \(fingerprint) AND subject_id IS NOT NULL
            ORDER BY time DESC LIMIT 1
            """)
        for try await subject in rows.decode(String.self) { return subject }
        return nil
    }

    /// The case's attempts in [from, to), and everyone admitted at the same venue (any of its gates) within
    /// ± `window` seconds of each. A venue is the gates' `venue` name (the gate id when none was reported).
    public func trace(subjectID: String, from: Double, to: Double, window: Double) async throws -> CountyTrace {
        var visits: [TraceVisit] = []
        for try await (venue, gate, seq, time, offset, decision) in try await query("""
            SELECT coalesce(g.venue, e.gate_id), e.gate_id, e.seq, e.time, e.utc_offset, e.decision
            FROM entries e JOIN gates g USING (gate_id)
            WHERE e.subject_id = \(subjectID) AND e.kind = 'attempt' AND e.time >= \(from) AND e.time < \(to)
            ORDER BY e.time, e.gate_id
            """).decode((String, String, Int64, Double, Int, String).self) {
            visits.append(TraceVisit(venue: venue, gateID: gate, seq: seq, time: time, utcOffset: offset, decision: decision))
        }
        // Everyone around each visit: one range query per visit on (gate_id, time) over the venue's gates, which
        // prunes to the visit's day partitions. (One SQL statement with a LATERAL join was planned as a scan of the
        // whole table on the bench's 1.2 M rows: p50 0.5 s.) A companion near several visits is listed once, at the nearest.
        var venueGates: [String: [String]] = [:]
        let visitedVenues = Array(Set(visits.map(\.venue))).sorted()
        if !visitedVenues.isEmpty {
            for try await (venue, gate) in try await query("""
                SELECT coalesce(venue, gate_id), gate_id FROM gates WHERE coalesce(venue, gate_id) = ANY(\(visitedVenues))
                """).decode((String, String).self) { venueGates[venue, default: []].append(gate) }
        }
        var nearest: [String: TraceContact] = [:]
        for visit in visits {
            let gates = venueGates[visit.venue] ?? [visit.gateID]
            for try await row in try await query("""
                SELECT gate_id, seq, time, utc_offset, masked_name, masked_id, subject_id, colour, decision FROM entries
                WHERE gate_id = ANY(\(gates)) AND time >= \(visit.time - window) AND time <= \(visit.time + window)
                  AND kind = 'attempt' AND decision IN ('admitted', 'override')
                  AND subject_id IS NOT NULL AND subject_id <> \(subjectID)
                """).decode((String, Int64, Double, Int, String?, String?, String, String?, String).self) {
                let contact = TraceContact(venue: visit.venue, gateID: row.0, seq: row.1, time: row.2, utcOffset: row.3,
                                           maskedName: row.4, maskedID: row.5, subjectID: row.6, colour: row.7,
                                           decision: row.8, secondsFromCase: row.2 - visit.time)
                let key = "\(row.0)\u{0}\(row.1)"
                if let known = nearest[key], abs(known.secondsFromCase) <= abs(contact.secondsFromCase) { continue }
                nearest[key] = contact
            }
        }
        let contacts = nearest.values.sorted { ($0.time, $0.gateID, $0.seq) < ($1.time, $1.gateID, $1.seq) }
        var broken: [String] = []
        let venues = visitedVenues
        if !venues.isEmpty {
            for try await gate in try await query("""
                SELECT gate_id FROM gates WHERE chain_status = 'broken' AND coalesce(venue, gate_id) = ANY(\(venues))
                ORDER BY gate_id
                """).decode(String.self) { broken.append(gate) }
        }
        return CountyTrace(subjectID: subjectID, visits: visits, contacts: contacts, brokenGates: broken)
    }

    /// 暗访督察 for one local day (`day`: days since 1970-01-01 in each row's own offset), every gate or one venue's.
    public func inspect(day: Int64, venue: String?) async throws -> [GateDay] {
        // Rows of a local day lie within ±14 h of the UTC day: the range lets the planner prune partitions.
        let low = Double(day * 86400 - 14 * 3600), high = Double((day + 1) * 86400 + 14 * 3600)
        let dayStart = Double(day * 86400)
        var gates: [String: GateDay] = [:]
        for try await row in try await query("""
            SELECT g.gate_id, coalesce(g.venue, g.gate_id), g.chain_status, g.broken_detail,
                   (SELECT count(*) FROM quarantine q WHERE q.gate_id = g.gate_id)::int,
                   count(e.seq) FILTER (WHERE e.kind = 'attempt')::int,
                   count(e.seq) FILTER (WHERE e.decision = 'admitted')::int,
                   count(e.seq) FILTER (WHERE e.decision = 'refused')::int,
                   count(e.seq) FILTER (WHERE e.decision = 'override')::int,
                   count(e.seq) FILTER (WHERE e.event = 'exit')::int,
                   count(e.seq) FILTER (WHERE e.clock_synced = 0)::int
            FROM gates g
            LEFT JOIN entries e ON e.gate_id = g.gate_id AND e.time >= \(low) AND e.time < \(high)
                 AND floor((e.time + e.utc_offset) / 86400) = \(Double(day))
            WHERE \(venue) :: text IS NULL OR g.venue = \(venue)
            GROUP BY g.gate_id, g.venue, g.chain_status, g.broken_detail
            """).decode((String, String, String, String?, Int, Int, Int, Int, Int, Int, Int).self) {
            gates[row.0] = GateDay(gateID: row.0, venue: row.1, attempts: row.5, admitted: row.6, refused: row.7,
                                   overrides: row.8, exits: row.9, refusedByReason: [:], fireAlarmOpenMinutes: 0,
                                   unsyncedClockRows: row.10, hoursOffline: nil, chainStatus: row.2, chainDetail: row.3,
                                   heldApartRows: row.4)
        }
        let ids = Array(gates.keys)
        for try await (gate, reason, count) in try await query("""
            SELECT e.gate_id, reason, count(*)::int FROM entries e, unnest(string_to_array(e.reasons, ',')) AS reason
            WHERE e.gate_id = ANY(\(ids)) AND e.decision = 'refused' AND e.time >= \(low) AND e.time < \(high)
              AND floor((e.time + e.utc_offset) / 86400) = \(Double(day))
            GROUP BY e.gate_id, reason
            """).decode((String, String, Int).self) {
            gates[gate]?.refusedByReason[reason] = count
        }
        // The relay is held open from fire_alarm_on to the next fire_alarm_off (or the end of the rows).
        for try await (gate, minutes) in try await query("""
            SELECT gate_id, (sum(coalesce(next_time, last_time) - time) / 60)::float8 FROM (
                SELECT gate_id, event, time, lead(time) OVER w AS next_time, max(time) OVER (PARTITION BY gate_id) AS last_time
                FROM entries
                WHERE gate_id = ANY(\(ids)) AND event IN ('fire_alarm_on', 'fire_alarm_off')
                  AND time >= \(low) AND time < \(high) AND floor((time + utc_offset) / 86400) = \(Double(day))
                WINDOW w AS (PARTITION BY gate_id ORDER BY seq)
            ) alarms WHERE event = 'fire_alarm_on' GROUP BY gate_id
            """).decode((String, Double).self) {
            gates[gate]?.fireAlarmOpenMinutes = minutes
        }
        // Heartbeats of the (UTC) day: a gap longer than two intervals counts as offline, as do the day's edges.
        for try await (gate, seconds) in try await query("""
            SELECT h.gate_id, sum(greatest(0, gap - 2 * coalesce(g.heartbeat_interval_s, 60)))::float8 FROM (
                SELECT gate_id, extract(epoch FROM at - coalesce(lag(at) OVER w, to_timestamp(\(dayStart)))) AS gap
                FROM heartbeats WHERE gate_id = ANY(\(ids)) AND at >= to_timestamp(\(dayStart)) AND at < to_timestamp(\(dayStart + 86400))
                WINDOW w AS (PARTITION BY gate_id ORDER BY at)
                UNION ALL
                SELECT gate_id, extract(epoch FROM least(now(), to_timestamp(\(dayStart + 86400))) - max(at))
                FROM heartbeats WHERE gate_id = ANY(\(ids)) AND at >= to_timestamp(\(dayStart)) AND at < to_timestamp(\(dayStart + 86400))
                GROUP BY gate_id
            ) h JOIN gates g USING (gate_id) GROUP BY h.gate_id
            """).decode((String, Double).self) {
            gates[gate]?.hoursOffline = seconds / 3600
        }
        return gates.values.sorted { ($0.venue, $0.gateID) < ($1.venue, $1.gateID) }
    }

    public func gates() async throws -> [GateState] {
        var out: [GateState] = []
        for try await row in try await query("""
            SELECT g.gate_id, g.venue, g.address, g.approved_capacity, extract(epoch FROM g.last_heartbeat)::float8,
                   extract(epoch FROM now() - g.last_heartbeat)::float8, g.last_status, g.lag_rows, g.bundle_version,
                   max(g.bundle_version) OVER (), g.contiguous_seq, g.received_seq, g.chain_status, g.broken_detail,
                   (SELECT count(*) FROM quarantine q WHERE q.gate_id = g.gate_id)::int,
                   (SELECT count(*) FROM anchors a WHERE a.gate_id = g.gate_id)::int,
                   (SELECT count(*) FROM anchors a JOIN entries e ON e.gate_id = a.gate_id AND e.seq = a.seq
                     AND e.time = a.row_time WHERE a.gate_id = g.gate_id AND e.hash <> a.hash)::int
            FROM gates g ORDER BY g.venue NULLS LAST, g.gate_id
            """).decode((String, String?, String?, Int?, Double?, Double?, String?, Int64?, Int?, Int?, Int64, Int64, String, String?, Int, Int, Int).self) {
            out.append(GateState(gateID: row.0, venue: row.1, address: row.2, approvedCapacity: row.3, lastHeartbeat: row.4,
                                 secondsSilent: row.5, status: row.6, lagRows: row.7, bundleVersion: row.8,
                                 newestBundleVersion: row.9, contiguousSeq: row.10, receivedSeq: row.11, chainStatus: row.12,
                                 chainDetail: row.13, heldApartRows: row.14, anchors: row.15, anchorsContradicted: row.16))
        }
        return out
    }

    /// County retention (its own setting): drops whole day partitions older than `days`. Returns the dropped tables.
    public func dropPartitions(olderThanDays days: Int, now: Double = Date().timeIntervalSince1970) async throws -> [String] {
        let cutoffDay = Int64(floor(now / 86400)) - Int64(days)
        var names: [String] = []
        for try await name in try await query("""
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'entries'::regclass AND c.relname ~ '^entries_[0-9]{8}$' ORDER BY c.relname
            """).decode(String.self) { names.append(name) }
        var dropped: [String] = []
        for name in names {
            let digits = name.dropFirst("entries_".count)
            guard let date = Self.utcDay(String(digits)), date < cutoffDay else { continue }
            try await query(PostgresQuery(unsafeSQL: "DROP TABLE \(name)"))
            dropped.append(name)
        }
        return dropped
    }

    /// Days since 1970-01-01 for YYYYMMDD or YYYY-MM-DD.
    public static func utcDay(_ text: String) -> Int64? {
        let digits = text.filter(\.isNumber)
        guard digits.count == 8, text.count == 8 || text.count == 10,
              let year = Int(digits.prefix(4)), let month = Int(digits.dropFirst(4).prefix(2)), let day = Int(digits.suffix(2)),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = calendar.date(from: DateComponents(year: year, month: month, day: day)),
              calendar.component(.day, from: date) == day else { return nil }
        return Int64(floor(date.timeIntervalSince1970 / 86400))
    }
}
