/// The daemon's live state, written atomically to the status file (`paths.status_file`) on every
/// change and at least once a second, and read by `gatectl status`. A file rather than a socket:
/// staff need only read access, and a stale `updated_at` tells them the daemon is not running.
public struct GateStatus: Sendable, Equatable, Codable {
    public struct LastDecision: Sendable, Equatable, Codable {
        public var time: EpochSeconds
        public var decision: EntryRecord.Decision
        public var reasons: [Reason]
        public init(time: EpochSeconds, decision: EntryRecord.Decision, reasons: [Reason]) {
            self.time = time
            self.decision = decision
            self.reasons = reasons
        }
    }
    public var gateID: String
    public var pid: Int32
    public var state: String
    public var occupancy: Int
    public var occupancyLimit: Int?
    /// Devices currently in fault, e.g. `["thermometer: /dev/i2c-1@0x5a: read failed: …"]`.
    public var faults: [String]
    public var clockSynchronised: Bool
    public var fireAlarm: Bool
    public var lastDecision: LastDecision?
    public var startedAt: EpochSeconds
    public var updatedAt: EpochSeconds
    public var framesProcessed: UInt64
    /// Keys and certificates in the trust store, and the earliest expiry among them.
    public var trustKeys: Int
    public var nearestKeyExpiry: EpochSeconds?

    public init(gateID: String, pid: Int32, state: String, occupancy: Int, occupancyLimit: Int?, faults: [String],
                clockSynchronised: Bool, fireAlarm: Bool, lastDecision: LastDecision?, startedAt: EpochSeconds,
                updatedAt: EpochSeconds, framesProcessed: UInt64, trustKeys: Int = 0, nearestKeyExpiry: EpochSeconds? = nil) {
        self.gateID = gateID
        self.pid = pid
        self.state = state
        self.occupancy = occupancy
        self.occupancyLimit = occupancyLimit
        self.faults = faults
        self.clockSynchronised = clockSynchronised
        self.fireAlarm = fireAlarm
        self.lastDecision = lastDecision
        self.startedAt = startedAt
        self.updatedAt = updatedAt
        self.framesProcessed = framesProcessed
        self.trustKeys = trustKeys
        self.nearestKeyExpiry = nearestKeyExpiry
    }
}
