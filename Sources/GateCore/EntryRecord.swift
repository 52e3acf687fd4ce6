/// One row of the entry log as the gate controller produces it. The storage layer adds the gate
/// id, the UTC offset, the sequence number and the hash chain; it never adds personal data.
public struct EntryRecord: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// A visitor presented a code (or tried to): one row per attempt, admitted or not.
        case attempt
        /// Something happened to the gate itself: start, stop, fault, recovery, fire alarm, override, reload, purge.
        case event
    }

    public enum Decision: String, Sendable, Codable, CaseIterable {
        case admitted
        case refused
        /// Admitted by staff (button or `gatectl open`) without a code check.
        case override
        /// Not a decision about a person (event rows), or an attempt the gate never decided because the fire
        /// alarm, a staff override or a stop cut it short (detail `interrupted: …`).
        case none
    }

    public var time: EpochSeconds
    public var kind: Kind
    public var decision: Decision
    public var reasons: [Reason]
    /// Event name for event rows (`start`, `stop`, `fault`, `recovered`, `fire_alarm_on`, …), nil for attempts.
    public var event: String?
    public var format: CodeFormat?
    public var issuer: String?
    public var colour: CodeColour?
    public var maskedName: String?
    public var maskedIDNumber: String?
    public var subjectID: String?
    /// Age of the last nucleic-acid test at the time of the attempt, in hours.
    public var nucleicAcidAgeHours: Double?
    public var vaccinationDoses: Int?
    public var temperature: Double?
    public var remeasuredTemperature: Double?
    public var occupancyAfter: Int?
    public var clockSynchronised: Bool
    /// Payload fingerprint (for anti-passback after a restart); nil for event rows.
    public var codeFingerprint: String?
    /// The rules evaluated, each `name=pass|fail|skip` (the decision's explanation).
    public var rules: [String]
    /// Free text without personal data: the fault, who overrode and why, the unknown kid…
    public var detail: String?

    /// The one encoding of a record's fields: exports (gatectl export, log --json, trace) embed it as it is.
    /// `time` is written `timeUTC`, beside the local time an export adds.
    enum CodingKeys: String, CodingKey {
        case time = "timeUTC", kind, decision, reasons, event, format, issuer, colour, maskedName, maskedIDNumber, subjectID
        case nucleicAcidAgeHours, vaccinationDoses, temperature, remeasuredTemperature, occupancyAfter, clockSynchronised
        case codeFingerprint, rules, detail
    }

    public init(time: EpochSeconds, kind: Kind, decision: Decision, reasons: [Reason] = [], event: String? = nil,
                format: CodeFormat? = nil, issuer: String? = nil, colour: CodeColour? = nil,
                maskedName: String? = nil, maskedIDNumber: String? = nil, subjectID: String? = nil,
                nucleicAcidAgeHours: Double? = nil, vaccinationDoses: Int? = nil, temperature: Double? = nil,
                remeasuredTemperature: Double? = nil, occupancyAfter: Int? = nil, clockSynchronised: Bool,
                codeFingerprint: String? = nil, rules: [String] = [], detail: String? = nil) {
        self.time = time
        self.kind = kind
        self.decision = decision
        self.reasons = reasons
        self.event = event
        self.format = format
        self.issuer = issuer
        self.colour = colour
        self.maskedName = maskedName
        self.maskedIDNumber = maskedIDNumber
        self.subjectID = subjectID
        self.nucleicAcidAgeHours = nucleicAcidAgeHours
        self.vaccinationDoses = vaccinationDoses
        self.temperature = temperature
        self.remeasuredTemperature = remeasuredTemperature
        self.occupancyAfter = occupancyAfter
        self.clockSynchronised = clockSynchronised
        self.codeFingerprint = codeFingerprint
        self.rules = rules
        self.detail = detail
    }
}
