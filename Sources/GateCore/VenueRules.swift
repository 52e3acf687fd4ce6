/// The venue rules from the county orders, as configuration. Each venue profile is a default set of
/// these; the config file overrides them rule by rule (docs/configuration.md lists every key).
public struct VenueRules: Sendable, Equatable {
    public enum NucleicAcidScope: String, Sendable, CaseIterable {
        /// No test required.
        case off
        /// Every entrant needs a negative test within the window.
        case everyone
        /// Only codes flagged as arrived from outside the province within 14 days.
        case outsideProvince = "outside_province"
    }

    /// 双码联查: health code plus vaccination.
    public enum VaccinationRule: String, Sendable, CaseIterable {
        case off
        /// Admit, but show the prompt pattern and count it (reason `vaccination_prompt` on an admitted row).
        case prompt
        /// Refuse with `not_vaccinated`.
        case require
    }

    public var nucleicAcidScope: NucleicAcidScope
    /// 24, 48 or 72.
    public var nucleicAcidMaxAgeHours: Int
    public var vaccination: VaccinationRule
    /// Approved number of people in the venue; nil = no occupancy cap.
    public var approvedCapacity: Int?
    /// Share of the approved number allowed in at once (orders: 75 %).
    public var occupancyPercent: Int
    /// 预检分诊: a fever at a hospital shows the "go to the fever clinic" pattern rather than a plain refusal.
    public var feverClinicReferral: Bool
    /// Body temperature at or above which a reading is a fever (orders: 37.3 °C).
    public var feverThresholdCelsius: Double

    public init(nucleicAcidScope: NucleicAcidScope = .off, nucleicAcidMaxAgeHours: Int = 48,
                vaccination: VaccinationRule = .off, approvedCapacity: Int? = nil, occupancyPercent: Int = 75,
                feverClinicReferral: Bool = false, feverThresholdCelsius: Double = 37.3) {
        self.nucleicAcidScope = nucleicAcidScope
        self.nucleicAcidMaxAgeHours = nucleicAcidMaxAgeHours
        self.vaccination = vaccination
        self.approvedCapacity = approvedCapacity
        self.occupancyPercent = occupancyPercent
        self.feverClinicReferral = feverClinicReferral
        self.feverThresholdCelsius = feverThresholdCelsius
    }

    /// The most people allowed in at once, rounded down; nil when the venue has no cap.
    public var maximumOccupancy: Int? {
        guard let approved = approvedCapacity else { return nil }
        let (product, overflow) = approved.multipliedReportingOverflow(by: occupancyPercent)
        // The config bounds both; a value past those bounds must still not trap the gate at a decision.
        guard !overflow else { return (approved < 0) == (occupancyPercent < 0) ? Int.max : 0 }
        return product / 100
    }
}

/// Venue-rule changes a signed county bundle carries (docs/codes.md, "Bundles"): each set field replaces the
/// configured value; nil keeps it. The bundle's risk-region list maps onto `nucleicAcidScope = outside_province`
/// (the HG1 issuer sets the arrival flag from that list) and its test window onto `nucleicAcidMaxAgeHours`.
public struct RuleOverrides: Sendable, Equatable {
    public var nucleicAcidScope: VenueRules.NucleicAcidScope?
    public var nucleicAcidMaxAgeHours: Int?
    public var vaccination: VenueRules.VaccinationRule?

    public init(nucleicAcidScope: VenueRules.NucleicAcidScope? = nil, nucleicAcidMaxAgeHours: Int? = nil,
                vaccination: VenueRules.VaccinationRule? = nil) {
        self.nucleicAcidScope = nucleicAcidScope
        self.nucleicAcidMaxAgeHours = nucleicAcidMaxAgeHours
        self.vaccination = vaccination
    }

    public var isEmpty: Bool { self == RuleOverrides() }

    public func applied(to rules: VenueRules) -> VenueRules {
        var rules = rules
        if let nucleicAcidScope { rules.nucleicAcidScope = nucleicAcidScope }
        if let nucleicAcidMaxAgeHours { rules.nucleicAcidMaxAgeHours = nucleicAcidMaxAgeHours }
        if let vaccination { rules.vaccination = vaccination }
        return rules
    }
}

/// Venue kinds the orders name, each with its default rules. The defaults follow the orders: every
/// venue scans and measures; crowded or vulnerable places add the 48-hour test and 双码联查.
extension VenueProfile {
    /// `platform.on_unavailable` unless set: venues that fell back to registration by hand (实名登记) when a
    /// platform went down register and admit; where vulnerable people are inside, only offline-verifiable codes pass.
    public var defaultPlatformUnavailablePolicy: PlatformUnavailablePolicy {
        switch self {
        case .hospital, .school, .elderlyCare: return .offlineCodesOnly
        case .station, .market, .hotel, .scenicSpot, .largeEvent: return .registerAndAdmit
        }
    }
}

public enum VenueProfile: String, Sendable, CaseIterable {
    case station, market, hospital, school
    case elderlyCare = "elderly_care"
    case hotel
    case scenicSpot = "scenic_spot"
    /// Gatherings of more than 100 people.
    case largeEvent = "large_event"

    public var defaultRules: VenueRules {
        switch self {
        case .station:
            return VenueRules(nucleicAcidScope: .outsideProvince, nucleicAcidMaxAgeHours: 48, vaccination: .prompt)
        case .market:
            return VenueRules(nucleicAcidScope: .off, vaccination: .prompt)
        case .hospital:
            return VenueRules(nucleicAcidScope: .everyone, nucleicAcidMaxAgeHours: 48, vaccination: .prompt,
                              feverClinicReferral: true)
        case .school:
            return VenueRules(nucleicAcidScope: .everyone, nucleicAcidMaxAgeHours: 48, vaccination: .require)
        case .elderlyCare:
            return VenueRules(nucleicAcidScope: .everyone, nucleicAcidMaxAgeHours: 48, vaccination: .require)
        case .hotel:
            return VenueRules(nucleicAcidScope: .outsideProvince, nucleicAcidMaxAgeHours: 48, vaccination: .prompt)
        case .scenicSpot:
            return VenueRules(nucleicAcidScope: .outsideProvince, nucleicAcidMaxAgeHours: 72, vaccination: .prompt)
        case .largeEvent:
            return VenueRules(nucleicAcidScope: .everyone, nucleicAcidMaxAgeHours: 48, vaccination: .require)
        }
    }
}
