/// Seconds since the Unix epoch, UTC. GateCore keeps time as a plain number so it needs no
/// Foundation and runs unchanged on a virtual clock in tests.
public typealias EpochSeconds = Double

public enum NucleicAcidResult: String, Sendable, Codable {
    case negative, positive
}

/// The last nucleic-acid (NAAT/PCR) test a code carries.
public struct NucleicAcidTest: Sendable, Equatable, Codable {
    public var sampledAt: EpochSeconds
    public var result: NucleicAcidResult
    public init(sampledAt: EpochSeconds, result: NucleicAcidResult) {
        self.sampledAt = sampledAt
        self.result = result
    }
}

public struct Vaccination: Sendable, Equatable, Codable {
    public var doses: Int
    /// Doses that make the series complete, where the format says (HC1 `sd`); nil when unknown.
    public var seriesDoses: Int?
    public var lastDoseAt: EpochSeconds?
    public init(doses: Int, seriesDoses: Int? = nil, lastDoseAt: EpochSeconds? = nil) {
        self.doses = doses
        self.seriesDoses = seriesDoses
        self.lastDoseAt = lastDoseAt
    }
    public var isComplete: Bool { doses >= (seriesDoses ?? 1) && doses > 0 }
}

/// What a verified code says about its holder, already reduced to what the policy needs.
/// Personal data is only ever held masked (as the issuing platform displays it).
public struct HealthCredential: Sendable, Equatable, Codable {
    public var format: CodeFormat
    /// GB/T 2260 region code for HG1, issuing country for HC1.
    public var issuer: String
    /// Key id as lowercase hex.
    public var keyID: String
    public var issuedAt: EpochSeconds?
    public var expiresAt: EpochSeconds?
    /// HC1 certificates carry no colour; the reader maps a valid DCC to green.
    public var colour: CodeColour
    /// Pseudonymous, stable per person; never the ID number.
    public var subjectID: String
    public var maskedName: String?
    public var maskedIDNumber: String?
    public var nucleicAcidTest: NucleicAcidTest?
    public var vaccination: Vaccination?
    /// Arrived from outside the province within the last 14 days.
    public var arrivedFromOutsideProvince: Bool

    public init(format: CodeFormat, issuer: String, keyID: String, issuedAt: EpochSeconds?, expiresAt: EpochSeconds?,
                colour: CodeColour, subjectID: String, maskedName: String? = nil, maskedIDNumber: String? = nil,
                nucleicAcidTest: NucleicAcidTest? = nil, vaccination: Vaccination? = nil,
                arrivedFromOutsideProvince: Bool = false) {
        self.format = format
        self.issuer = issuer
        self.keyID = keyID
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.colour = colour
        self.subjectID = subjectID
        self.maskedName = maskedName
        self.maskedIDNumber = maskedIDNumber
        self.nucleicAcidTest = nucleicAcidTest
        self.vaccination = vaccination
        self.arrivedFromOutsideProvince = arrivedFromOutsideProvince
    }
}

/// The verifier's answer for one scanned payload.
/// `reasons` is empty exactly when the code is authentic and inside its validity window.
/// `credential` is present once the signature verified, even when the code is refused (expired,
/// key usage…), so the log can say whose expired code it was; a forged code's claims never reach it.
public struct CodeVerdict: Sendable, Equatable {
    public var format: CodeFormat
    public var credential: HealthCredential?
    public var reasons: [Reason]
    /// Key id seen in the envelope (hex), for the log when the issuer is unknown.
    public var keyID: String?
    /// Human-readable detail for logs and `gatectl code verify`; never contains personal data.
    public var detail: String
    /// Stable digest of the payload (hex), used for anti-passback; never reversible to the payload.
    public var fingerprint: String

    public init(format: CodeFormat, credential: HealthCredential?, reasons: [Reason], keyID: String?,
                detail: String, fingerprint: String) {
        self.format = format
        self.credential = credential
        self.reasons = reasons
        self.keyID = keyID
        self.detail = detail
        self.fingerprint = fingerprint
    }

    public var isValid: Bool { reasons.isEmpty && credential != nil }

    /// What the gate knows of the holder before (or without) a credential: an ID card's masked name and number and
    /// the keyed pseudonym of its number. Only for `register_and_admit` rows; never the raw number.
    public var registration: Registration?

    public struct Registration: Sendable, Equatable {
        public var maskedName: String
        public var maskedIDNumber: String
        public var subjectID: String
        public init(maskedName: String, maskedIDNumber: String, subjectID: String) {
            self.maskedName = maskedName
            self.maskedIDNumber = maskedIDNumber
            self.subjectID = subjectID
        }
    }
}

/// What the verifier knows about the wall clock it validates against.
public struct ClockReading: Sendable, Equatable {
    public var now: EpochSeconds
    /// True only when the kernel says the clock is synchronised (adjtimex), or an operator set it.
    public var synchronised: Bool
    /// Seconds on a clock that never steps (CLOCK_MONOTONIC): holds, re-measure delays and presentation
    /// gaps are measured on it, so an NTP step of the wall clock neither drops a code nor freezes the gate.
    public var monotonic: Double
    /// `monotonic` defaults to the wall time, for readings that only check validity windows.
    public init(now: EpochSeconds, synchronised: Bool, monotonic: Double? = nil) {
        self.now = now
        self.synchronised = synchronised
        self.monotonic = monotonic ?? now
    }
}

/// What to do with validity windows while the clock is not synchronised.
public enum UnsyncedClockPolicy: String, Sendable, Codable, CaseIterable {
    /// Refuse every code with `clock_unsynced` (default: never admit on an untrusted time).
    case refuse
    /// Check signatures and colour, skip the validity window, log `clock_unsynced` as a note.
    case ignoreValidity = "ignore_validity"
}
