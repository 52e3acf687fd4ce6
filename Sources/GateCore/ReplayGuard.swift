/// Anti-passback: the same code admitted again within the window is refused as `replayed`.
/// Holds fingerprints (digests), never payloads. The daemon seeds it from the entry log at start,
/// so the window survives a restart.
public struct ReplayGuard: Sendable {
    public var windowSeconds: Double
    private var admittedAt: [String: EpochSeconds] = [:]

    public init(windowSeconds: Double) {
        self.windowSeconds = windowSeconds
    }

    public func isReplay(_ fingerprint: String, now: EpochSeconds) -> Bool {
        guard let seen = admittedAt[fingerprint] else { return false }
        return now - seen < windowSeconds
    }

    public mutating func recordAdmission(_ fingerprint: String, at time: EpochSeconds) {
        admittedAt[fingerprint] = time
        // Prune on write so the table stays bounded by the admissions of one window.
        if admittedAt.count % 256 == 0 { prune(now: time) }
    }

    public mutating func prune(now: EpochSeconds) {
        admittedAt = admittedAt.filter { now - $0.value < windowSeconds }
    }

    public var count: Int { admittedAt.count }
}

/// Turns what the scanner sees frame after frame into presentations: a code held in front of the
/// camera for many frames is one presentation; it counts again only after it has been out of view
/// for `absenceSeconds`. Times are monotonic seconds (`ClockReading.monotonic`). Pure, no I/O.
public struct PresentationFilter: Sendable {
    public var absenceSeconds: Double
    private var lastSeen: [[UInt8]: Double] = [:]

    public init(absenceSeconds: Double = 1.5) {
        self.absenceSeconds = absenceSeconds
    }

    /// Returns true when `payload` is a new presentation, and notes it as seen either way.
    public mutating func isNewPresentation(_ payload: [UInt8], now: Double) -> Bool {
        defer { lastSeen[payload] = now }
        guard let previous = lastSeen[payload] else {
            if lastSeen.count > 64 { forgetStale(now: now) }
            return true
        }
        return now - previous >= absenceSeconds
    }

    /// Keeps a payload "in view" without counting it (used while the gate is busy with someone else).
    public mutating func notePresent(_ payload: [UInt8], now: Double) {
        if lastSeen[payload] != nil { lastSeen[payload] = now }
    }

    private mutating func forgetStale(now: Double) {
        lastSeen = lastSeen.filter { now - $0.value < absenceSeconds }
    }
}
