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

/// What the pipeline needs from the platform adapter (PlatformClient conforms, wired by healthgated so only the
/// daemon links the HTTP client). Nothing here blocks: answers arrive later through `takeEvents()`.
public protocol PlatformVerifying: AnyObject {
    /// nil: not a platform token. Else `.codePresented` (a cached answer) or `.verificationPending` (lookup started).
    func lookup(payload: [UInt8], clock: ClockReading) -> GateEvent?
    /// Answers and availability changes that arrived since the last call.
    func takeEvents() -> [GateEvent]
    /// Each loop turn: health probes while the platform is unavailable.
    func tick(monotonic: Double)
    func shutdown()
    /// An ID card as the controller sees it: `IDC:` and the keyed pseudonym of the number (never the number).
    func presentationHandle(for card: IDCard) -> String
    /// Looks up the card's holder: `.verificationPending` with the masked identity, the answer later.
    func lookup(card: IDCard, clock: ClockReading) -> GateEvent
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
