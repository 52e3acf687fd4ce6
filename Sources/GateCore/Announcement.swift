/// What the visitor is told, beside the lamps: the screen and the voice render this and nothing else, so
/// lamps, screen and voice always follow the same decision. The controller emits one `.announce` right after
/// every `.indicate`. Personal data is only the masked name the code itself displays.
public struct Announcement: Sendable, Equatable {
    public var signal: Signal
    /// A refusal's failed rules, or an admission's notes (`vaccination_prompt`); empty otherwise.
    public var reasons: [Reason]
    public var maskedName: String?
    /// The deciding body temperature: the re-measurement when there was one.
    public var temperature: Double?
    public var nucleicAcidAgeHours: Double?
    public var vaccinationDoses: Int?
    /// People inside after the decision, and the most allowed in (nil: no cap).
    public var occupancy: Int
    public var maximumOccupancy: Int?
    /// Devices at fault (the fault screen names them; never a message, which could hold a path).
    public var faults: [FaultSource]

    public init(signal: Signal, reasons: [Reason] = [], maskedName: String? = nil, temperature: Double? = nil,
                nucleicAcidAgeHours: Double? = nil, vaccinationDoses: Int? = nil, occupancy: Int = 0,
                maximumOccupancy: Int? = nil, faults: [FaultSource] = []) {
        self.signal = signal
        self.reasons = reasons
        self.maskedName = maskedName
        self.temperature = temperature
        self.nucleicAcidAgeHours = nucleicAcidAgeHours
        self.vaccinationDoses = vaccinationDoses
        self.occupancy = occupancy
        self.maximumOccupancy = maximumOccupancy
        self.faults = faults
    }

    /// Whether this signal is a decision about the person in front (and so carries their row's details).
    public static func isDecision(_ signal: Signal) -> Bool {
        switch signal {
        case .admitted, .admittedPrompt, .refused, .refusedYellow, .capacityFull, .feverClinic: return true
        case .ready, .measuring, .verifying, .fault, .emergencyOpen: return false
        }
    }

    /// The announcement for `signal`; `row` is the decided attempt's log row (its person details are shown only
    /// with a decision signal), `reasons` the decision's reasons (they differ from the row's when an admission
    /// became a refusal because its row could not be written).
    public static func make(signal: Signal, row: EntryRecord?, reasons: [Reason], occupancy: Int,
                            maximumOccupancy: Int?, faults: [FaultSource]) -> Announcement {
        var announcement = Announcement(signal: signal, occupancy: occupancy, maximumOccupancy: maximumOccupancy,
                                        faults: faults.sorted())
        guard isDecision(signal) else { return announcement }
        announcement.reasons = reasons
        if let row, row.kind == .attempt {
            announcement.maskedName = row.maskedName
            announcement.temperature = row.remeasuredTemperature ?? row.temperature
            announcement.nucleicAcidAgeHours = row.nucleicAcidAgeHours
            announcement.vaccinationDoses = row.vaccinationDoses
        }
        return announcement
    }
}
