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
    /// A device in fault and what it said. Written to the file as one string, `"thermometer: /dev/i2c-1@0x5a: …"`.
    public struct Fault: Sendable, Equatable, Codable, CustomStringConvertible {
        public var source: FaultSource
        public var message: String
        public init(source: FaultSource, message: String) {
            self.source = source
            self.message = message
        }
        public var description: String { "\(source.rawValue): \(message)" }

        public init(from decoder: Decoder) throws {
            let text = try decoder.singleValueContainer().decode(String.self)
            let name = String(text.prefix { $0 != ":" })
            guard let source = FaultSource(rawValue: name) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown fault source \(name)"))
            }
            self.source = source
            message = String(text.dropFirst(name.count).drop { $0 == ":" || $0 == " " })
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(description)
        }
    }
    public var gateID: String
    public var pid: Int32
    public var state: GateState
    public var occupancy: Int
    public var occupancyLimit: Int?
    /// Devices currently in fault, in source order.
    public var faults: [Fault]
    public var clockSynchronised: Bool
    public var fireAlarm: Bool
    public var lastDecision: LastDecision?
    public var startedAt: EpochSeconds
    public var updatedAt: EpochSeconds
    public var framesProcessed: UInt64
    /// Keys and certificates in the trust store, and the earliest expiry among them.
    public var trustKeys: Int
    public var nearestKeyExpiry: EpochSeconds?
    /// The applied county bundle and its freshness; nil when the gate pins no county key (bundles off).
    public var bundle: BundleStatus?
    /// The health-code platform as the last lookup or probe found it; nil when no `[platform]` is configured.
    public var platform: PlatformStatus?

    public struct PlatformStatus: Sendable, Equatable, Codable {
        public var available: Bool
        /// The last failure while unavailable (no personal data: a status, a timeout, a connection error).
        public var problem: String?
        /// `platform.on_unavailable` in force.
        public var policy: String
        public init(available: Bool, problem: String?, policy: String) {
            self.available = available
            self.problem = problem
            self.policy = policy
        }
    }

    public struct BundleStatus: Sendable, Equatable, Codable {
        /// nil: none applied yet.
        public var version: Int?
        public var createdAt: EpochSeconds?
        public var digest: String?
        /// Older than `codes.max_bundle_age_h` (or none applied); `policy` says what the gate does about it.
        public var stale: Bool
        public var policy: String
        public init(version: Int?, createdAt: EpochSeconds?, digest: String?, stale: Bool, policy: String) {
            self.version = version
            self.createdAt = createdAt
            self.digest = digest
            self.stale = stale
            self.policy = policy
        }
    }

    public init(gateID: String, pid: Int32, state: GateState, occupancy: Int, occupancyLimit: Int?, faults: [Fault],
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
