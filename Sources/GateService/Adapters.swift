import EntryLog
import GateCore

extension EntryLogWriter: EntryLogging {
    public func append(_ record: EntryRecord, utcOffsetSeconds: Int) throws {
        _ = try append(record, utcOffsetSeconds: utcOffsetSeconds) as Int64
    }

    public func recentAdmissions(since: EpochSeconds) throws -> [(fingerprint: String, time: EpochSeconds)] {
        try recentFingerprints(since: since)
    }
}
