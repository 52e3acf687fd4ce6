import GateConfig
import GateCore
import GateHardware
import HealthCode

/// What the pipeline needs from the code verifier (HealthCode's `CodeVerifier` conforms).
public protocol CodeVerifying: AnyObject {
    func verify(payload: [UInt8], clock: ClockReading) -> CodeVerdict
    /// Re-reads the trust store when its files changed (or always, with `force`); returns the problems found.
    func reloadTrustIfChanged(force: Bool) -> [String]
    /// Applies a reloaded `[codes]` section (trust directory, clock policy).
    func reconfigure(_ codes: GateConfiguration.Codes)
    /// Keys in the trust store and the earliest expiry among them (status and metrics).
    var trustKeyCount: Int { get }
    var nearestKeyExpiry: EpochSeconds? { get }
    /// Installs a verified county bundle's keys and revocation lists in place of the previous bundle's.
    func install(bundle: VerifiedBundle)
}

extension CodeVerifying {
    /// Verifiers without a trust store of their own (test fakes) ignore bundles.
    public func install(bundle: VerifiedBundle) {}
}

/// What the pipeline needs from the entry log (EntryLog's writer conforms).
public protocol EntryLogging: AnyObject {
    /// Returns once the row is durably committed.
    func append(_ record: EntryRecord, utcOffsetSeconds: Int) throws
    func recentAdmissions(since: EpochSeconds) throws -> [(fingerprint: String, time: EpochSeconds)]
    func lastOccupancy() throws -> (occupancy: Int, time: EpochSeconds)?
    /// Deletes rows older than the cut-off, keeping the chain verifiable; returns how many went.
    func purge(olderThan: EpochSeconds, now: EpochSeconds, utcOffsetSeconds: Int) throws -> Int
    /// Appends a signed head to the anchor file: at most hourly, or now with `force` (clean stop).
    func writeAnchor(now: EpochSeconds, force: Bool) throws
}

extension EntryLogging {
    public func writeAnchor(now: EpochSeconds, force: Bool) throws {}
}
