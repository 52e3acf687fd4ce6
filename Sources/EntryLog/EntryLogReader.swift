#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GateCore
import GRDB

/// What `log`, `export` and `tail` select. Empty sets mean "any"; several reasons mean "any of them".
public struct EntryFilter: Sendable, Equatable {
    public var since: EpochSeconds?
    /// Exclusive upper bound.
    public var until: EpochSeconds?
    public var decisions: Set<EntryRecord.Decision>
    public var reasons: Set<Reason>
    public var colours: Set<CodeColour>
    public var kind: EntryRecord.Kind?
    public var subjectID: String?
    public var fingerprint: String?
    /// The newest `limit` matching rows (returned oldest first); nil for all.
    public var limit: Int?

    public init(since: EpochSeconds? = nil, until: EpochSeconds? = nil, decisions: Set<EntryRecord.Decision> = [],
                reasons: Set<Reason> = [], colours: Set<CodeColour> = [], kind: EntryRecord.Kind? = nil,
                subjectID: String? = nil, fingerprint: String? = nil, limit: Int? = 50) {
        self.since = since
        self.until = until
        self.decisions = decisions
        self.reasons = reasons
        self.colours = colours
        self.kind = kind
        self.subjectID = subjectID
        self.fingerprint = fingerprint
        self.limit = limit
    }
}

/// Counts for one hour or day of the gate's local time.
public struct StatsBucket: Sendable, Equatable, Codable {
    /// Start of the bucket as local wall-clock seconds (format it in UTC to get the local time label).
    public var localStart: Int64
    public var attempts = 0
    public var admitted = 0
    public var refused = 0
    public var overrides = 0
    public var refusedByReason: [String: Int] = [:]
    public var fevers = 0
    public var vaccinationPrompts = 0
    public var peakOccupancy: Int?
    public var faults = 0

    public init(localStart: Int64) { self.localStart = localStart }
}

public enum StatsGranularity: Int64, Sendable, CaseIterable {
    case hour = 3600
    case day = 86400
}

/// One row of another subject near one of the traced subject's attempts.
public struct TraceHit: Sendable, Equatable, Codable {
    public var entry: LoggedEntry
    /// The traced subject's attempt this row is nearest to, and the gap in seconds (negative: before it).
    public var nearestSubjectSeq: Int64
    public var secondsFromSubject: Double
}

public struct TraceResult: Sendable, Equatable, Codable {
    public var subjectID: String
    public var subjectAttempts: [LoggedEntry]
    public var hits: [TraceHit]
    public var distinctCompanions: Int
}

/// The daily summary for upstream reporting.
public struct DailyReport: Sendable, Equatable, Codable {
    public var gateIDs: [String]
    public var from: EpochSeconds
    public var until: EpochSeconds
    public var totals: StatsBucket
    public var events: [String: Int]
    public var unsynchronisedClockRows: Int
    public var firstSeq: Int64?
    public var lastSeq: Int64?
    /// Hash of the day's last row: published upstream, it pins the chain so later rewriting shows.
    public var lastHash: String?
}

/// Staff's read-only view of the log. Opens the file read-only (group `gate-staff` needs read access only)
/// and works while the daemon writes: each query sees the rows committed when it started.
public final class EntryLogReader: Sendable {
    public let path: String
    private let queue: DatabaseQueue

    public init(path: String) throws(EntryLogError) {
        self.path = path
        if let error = EntryLogError.accessError(path: path) { throw error }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.label = "entry-log-reader"
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            let applied = try queue.read { db in try Schema.migrator.appliedIdentifiers(db) }
            guard applied.contains(Schema.latestMigration) else {
                throw EntryLogError.unknownSchema(path: path, detail: applied.isEmpty ? "no entry table" : "migrations \(applied.sorted())")
            }
        } catch {
            throw EntryLogError.map(error, path: path)
        }
    }

    /// The newest matching rows, oldest first.
    public func entries(_ filter: EntryFilter) throws(EntryLogError) -> [LoggedEntry] {
        try read { db in
            let (whereSQL, arguments) = Self.whereClause(filter)
            var sql = "SELECT \(StoredRow.columns) FROM entry\(whereSQL) ORDER BY seq DESC"
            if let limit = filter.limit { sql += " LIMIT \(max(0, limit))" }
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { try StoredRow(row: $0).entry }.reversed()
        }
    }

    /// Every matching row oldest first, one at a time (exports of millions of rows stay in constant memory).
    public func forEachEntry(_ filter: EntryFilter, _ body: (LoggedEntry) throws -> Void) throws(EntryLogError) {
        try read { db in
            let (whereSQL, arguments) = Self.whereClause(filter)
            let sql = "SELECT \(StoredRow.columns) FROM entry\(whereSQL) ORDER BY seq"
            let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
            var remaining = filter.limit ?? Int.max
            while remaining > 0, let row = try rows.next() {
                try body(StoredRow(row: row).entry)
                remaining -= 1
            }
        }
    }

    /// Rows committed after `seq`, oldest first: `tail -f` polls this with the last seq it printed.
    public func entries(after seq: Int64, limit: Int = 1000) throws(EntryLogError) -> [LoggedEntry] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT \(StoredRow.columns) FROM entry WHERE seq > ? ORDER BY seq LIMIT ?",
                             arguments: [seq, limit]).map { try StoredRow(row: $0).entry }
        }
    }

    public func lastSeq() throws(EntryLogError) -> Int64? {
        try read { db in try Int64.fetchOne(db, sql: "SELECT max(seq) FROM entry") }
    }

    /// Counts per local hour or day in [since, until).
    public func stats(since: EpochSeconds, until: EpochSeconds, by granularity: StatsGranularity) throws(EntryLogError) -> [StatsBucket] {
        try read { db in try Self.stats(db, since: since, until: until, by: granularity.rawValue) }
    }

    /// 时空伴随: every attempt of other subjects within ±`window` seconds of each attempt of `subjectID` in
    /// [since, until). Rows without a subject (unreadable codes) identify nobody and are left out.
    public func trace(subjectID: String, window: Double = 1800, since: EpochSeconds? = nil,
                      until: EpochSeconds? = nil) throws(EntryLogError) -> TraceResult {
        try read { db in
            let filter = EntryFilter(since: since, until: until, kind: .attempt, subjectID: subjectID, limit: nil)
            let (whereSQL, arguments) = Self.whereClause(filter)
            let attempts = try Row.fetchAll(db, sql: "SELECT \(StoredRow.columns) FROM entry\(whereSQL) ORDER BY time",
                                            arguments: arguments).map { try StoredRow(row: $0).entry }
            // Merge overlapping windows so each row is read once.
            var intervals: [(from: Double, to: Double)] = []
            for attempt in attempts {
                let from = attempt.record.time - window, to = attempt.record.time + window
                if let last = intervals.last, from <= last.to { intervals[intervals.count - 1].to = max(last.to, to) }
                else { intervals.append((from, to)) }
            }
            var hits: [TraceHit] = []
            var companions = Set<String>()
            for interval in intervals {
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT \(StoredRow.columns) FROM entry
                    WHERE time >= ? AND time <= ? AND kind = 'attempt' AND subject_id IS NOT NULL AND subject_id != ?
                    ORDER BY time, seq
                    """, arguments: [interval.from, interval.to, subjectID])
                while let row = try rows.next() {
                    let entry = try StoredRow(row: row).entry
                    guard let nearest = Self.nearest(to: entry.record.time, in: attempts) else { continue }
                    let gap = entry.record.time - nearest.record.time
                    guard abs(gap) <= window else { continue }
                    hits.append(TraceHit(entry: entry, nearestSubjectSeq: nearest.seq, secondsFromSubject: gap))
                    if let subject = entry.record.subjectID { companions.insert(subject) }
                }
            }
            return TraceResult(subjectID: subjectID, subjectAttempts: attempts, hits: hits, distinctCompanions: companions.count)
        }
    }

    /// The subject id a code fingerprint was last logged with, for `trace --fingerprint`.
    public func subjectID(forFingerprint fingerprint: String) throws(EntryLogError) -> String? {
        try read { db in
            try String.fetchOne(db, sql: """
                SELECT subject_id FROM entry WHERE fingerprint = ? AND subject_id IS NOT NULL ORDER BY seq DESC LIMIT 1
                """, arguments: [fingerprint])
        }
    }

    /// The summary of [from, until) (one local day, computed by the caller in the gate's zone).
    public func dailyReport(from: EpochSeconds, until: EpochSeconds) throws(EntryLogError) -> DailyReport {
        try read { db in
            var totals = StatsBucket(localStart: 0)
            for bucket in try Self.stats(db, since: from, until: until, by: nil) { totals = bucket }
            var events: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT event, count(*) FROM entry WHERE time >= ? AND time < ? AND kind = 'event' GROUP BY event
                """, arguments: [from, until]) {
                events[(try row.optional(0, "event") as String?) ?? "?"] = try row.required(1, "count(*)")
            }
            let unsynchronised = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM entry WHERE time >= ? AND time < ? AND clock_synced = 0
                """, arguments: [from, until]) ?? 0
            let gates = try String.fetchAll(db, sql: "SELECT DISTINCT gate_id FROM entry WHERE time >= ? AND time < ?",
                                            arguments: [from, until])
            let bounds = try Row.fetchOne(db, sql: "SELECT min(seq), max(seq) FROM entry WHERE time >= ? AND time < ?",
                                          arguments: [from, until])
            let lastSeq: Int64? = try bounds?.optional(1, "max(seq)")
            let lastHash = try lastSeq.flatMap { try Data.fetchOne(db, sql: "SELECT hash FROM entry WHERE seq = ?", arguments: [$0]) }
            return DailyReport(gateIDs: gates.sorted(), from: from, until: until, totals: totals, events: events,
                               unsynchronisedClockRows: unsynchronised, firstSeq: try bounds?.optional(0, "min(seq)"), lastSeq: lastSeq,
                               lastHash: lastHash?.hex)
        }
    }

    /// Walks the whole chain and the reason index; see `ChainProblem` for what it can name. Every purge must
    /// state a retention of at least `minimumRetentionSeconds` (default: 1 day, the smallest the daemon accepts).
    public func verifyChain(minimumRetentionSeconds: Int64? = nil, now: EpochSeconds = Date().timeIntervalSince1970)
        throws(EntryLogError) -> ChainReport {
        try read { db in
            try ChainVerifier.verify(db, minimumRetentionSeconds: minimumRetentionSeconds ?? ChainVerifier.minimumRetentionSeconds, now: now)
        }
    }

    /// Checks the log against every anchor in `file` (see `AnchorProblem`); `expectedKey` (hex) pins the signing key.
    public func verifyAnchors(file: String, expectedKey: String? = nil) throws(EntryLogError) -> AnchorReport {
        try read { db in try AnchorVerifier.verify(db, file: file, expectedKey: expectedKey) }
    }

    /// The same, for anchors given as bytes (`verify --anchor -`: a copy sent over SSH's standard input); `name` is
    /// what the report calls them.
    public func verifyAnchors(contents: Data, name: String, expectedKey: String? = nil) throws(EntryLogError) -> AnchorReport {
        let (lines, torn) = AnchorFile.parse(contents)
        return try read { db in try AnchorVerifier.verify(db, lines: lines, torn: torn, file: name, expectedKey: expectedKey) }
    }

    /// `PRAGMA quick_check`-style page check for `gatectl verify --deep` and the crash test.
    public func integrityCheck() throws(EntryLogError) -> [String] {
        try read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
    }

    // MARK: - SQL

    static func whereClause(_ filter: EntryFilter) -> (String, StatementArguments) {
        var conditions: [String] = []
        var arguments = StatementArguments()
        func values(_ column: String, _ list: [String]) {
            guard !list.isEmpty else { return }
            conditions.append("\(column) IN (\(list.map { _ in "?" }.joined(separator: ",")))")
            arguments += StatementArguments(list)
        }
        if let since = filter.since { conditions.append("time >= ?"); arguments += [since] }
        if let until = filter.until { conditions.append("time < ?"); arguments += [until] }
        values("decision", filter.decisions.map(\.rawValue).sorted())
        values("colour", filter.colours.map(\.rawValue).sorted())
        if let kind = filter.kind { conditions.append("kind = ?"); arguments += [kind.rawValue] }
        if let subject = filter.subjectID { conditions.append("subject_id = ?"); arguments += [subject] }
        if let fingerprint = filter.fingerprint { conditions.append("fingerprint = ?"); arguments += [fingerprint] }
        if !filter.reasons.isEmpty {
            let reasons = filter.reasons.map(\.rawValue).sorted()
            conditions.append("seq IN (SELECT seq FROM entry_reason WHERE reason IN (\(reasons.map { _ in "?" }.joined(separator: ","))))")
            arguments += StatementArguments(reasons)
        }
        return (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "), arguments)
    }

    /// Buckets by the row's own local time (time + its stored offset), so a DST change needs no zone database.
    /// `bucketSeconds` nil: one bucket for the whole range.
    static func stats(_ db: Database, since: EpochSeconds, until: EpochSeconds, by bucketSeconds: Int64?) throws -> [StatsBucket] {
        let bucketExpression = bucketSeconds.map { "CAST((time + utc_offset) / \($0) AS INTEGER) * \($0)" } ?? "0"
        var buckets: [Int64: StatsBucket] = [:]
        let counts = try Row.fetchCursor(db, sql: """
            SELECT \(bucketExpression) AS bucket,
                   sum(kind = 'attempt'), sum(decision = 'admitted'), sum(decision = 'refused'), sum(decision = 'override'),
                   max(occupancy_after), sum(kind = 'event' AND event = 'fault')
            FROM entry WHERE time >= ? AND time < ? GROUP BY bucket
            """, arguments: [since, until])
        while let row = try counts.next() {
            // An edited value can come back as text (max() sorts text above numbers): reported, never trapped.
            var bucket = StatsBucket(localStart: try row.required(0, "time"))
            bucket.attempts = try row.optional(1, "kind") ?? 0
            bucket.admitted = try row.optional(2, "decision") ?? 0
            bucket.refused = try row.optional(3, "decision") ?? 0
            bucket.overrides = try row.optional(4, "decision") ?? 0
            bucket.peakOccupancy = try row.optional(5, "occupancy_after")
            bucket.faults = try row.optional(6, "event") ?? 0
            buckets[bucket.localStart] = bucket
        }
        let reasons = try Row.fetchCursor(db, sql: """
            SELECT \(bucketExpression) AS bucket, decision, reasons FROM entry
            WHERE time >= ? AND time < ? AND reasons != ''
            """, arguments: [since, until])
        while let row = try reasons.next() {
            let key: Int64 = try row.required(0, "time")
            let decision: String = try row.required(1, "decision")
            let list: String = try row.required(2, "reasons")
            var bucket = buckets[key] ?? StatsBucket(localStart: key)
            for reason in list.split(separator: ",") {
                if decision == EntryRecord.Decision.refused.rawValue { bucket.refusedByReason[String(reason), default: 0] += 1 }
                if reason == Reason.fever.rawValue { bucket.fevers += 1 }
                if reason == Reason.vaccinationPrompt.rawValue && decision == EntryRecord.Decision.admitted.rawValue {
                    bucket.vaccinationPrompts += 1
                }
            }
            buckets[key] = bucket
        }
        return buckets.keys.sorted().compactMap { buckets[$0] }
    }

    private static func nearest(to time: Double, in attempts: [LoggedEntry]) -> LoggedEntry? {
        // attempts are sorted by time: binary search for the closest one.
        var low = 0, high = attempts.count
        while low < high {
            let mid = (low + high) / 2
            if attempts[mid].record.time < time { low = mid + 1 } else { high = mid }
        }
        let candidates = [low - 1, low].filter { $0 >= 0 && $0 < attempts.count }.map { attempts[$0] }
        return candidates.min { abs($0.record.time - time) < abs($1.record.time - time) }
    }

    func readDatabase<T>(_ body: (Database) throws -> T) throws(EntryLogError) -> T { try read(body) }

    private func read<T>(_ body: (Database) throws -> T) throws(EntryLogError) -> T {
        do { return try queue.read(body) } catch { throw EntryLogError.map(error, path: path) }
    }
}
